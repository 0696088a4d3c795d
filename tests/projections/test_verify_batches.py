"""``verify`` and ``rebuild`` in batches of whole streams (issue 19): what a small batch holds at
once, and that batching changes nothing in what is found or rebuilt (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from oprisk.cli import main
from oprisk.domain import commands as c
from oprisk.errors import ConfigurationError
from oprisk.progress import Progress
from oprisk.projections.verify import StreamRange
from oprisk.store.schema import READ_MODELS

EVENTS = 24  # E00..E23, 4 facts each (the last ones 5), and two FX rates


def seed(db) -> None:  # type: ignore[no-untyped-def]
    cmds: list[c.Command] = []
    for i in range(EVENTS):
        eid = f"E{i:02d}"
        cmds += [
            c.ReportLossEvent(event_id=eid, actor="ann", title=f"loss {i}", event_type="ET7",
                              business_line="BL3", discovered_on=date(2024, 1, 1 + i % 28),
                              currency="EUR"),
            c.RecordImpact(event_id=eid, actor="ann", amount=str(1000 + i), currency="EUR",
                           accounted_on=date(2024, 2, 1)),
            c.ReclassifyLossEvent(event_id=eid, actor="bob", business_line="BL2", reason="moved"),
            c.RecordRecovery(event_id=eid, actor="ann", amount="10", currency="EUR",
                             accounted_on=date(2024, 3, 1)),
        ]  # fmt: skip
        if i >= EVENTS - 3:  # the last streams are longer than the others
            cmds.append(c.RecordImpact(event_id=eid, actor="ann", amount="5", currency="EUR",
                                       accounted_on=date(2024, 4, 1)))  # fmt: skip
    db.execute(cmds)
    db.record_fx_rate("USD", date(2024, 1, 1), "0.9", actor="fx")
    db.record_fx_rate("USD", date(2024, 2, 1), "0.91", actor="fx")


class Sizes(Progress):
    """Records each step a job reports: with verify and rebuild, the facts of one batch."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[float] = []

    def update(self, n: float = 1) -> None:
        super().update(n)
        self.steps.append(n)


def tables(db):  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        return {
            t.name: sorted(
                tuple(map(str, r)) for r in conn.execute(select(t).order_by(*t.primary_key))
            )
            for t in READ_MODELS
        }


def test_batches_hold_whole_streams_and_at_most_the_batch(db):
    seed(db)
    with db.reading() as conn:
        batches = list(db.store.read_by_stream(conn, 9))
        everything = list(db.store.read_all(conn))
    seen = [r.stream_id for b in batches for r in b]
    # every fact exactly once, each stream in one batch only, in log order within it
    assert sorted(r.position for b in batches for r in b) == [r.position for r in everything]
    owner = {}
    for n, b in enumerate(batches):
        for r in b:
            assert owner.setdefault(r.stream_id, n) == n
        for sid in {r.stream_id for r in b}:
            ps = [r.position for r in b if r.stream_id == sid]
            assert ps == sorted(ps)
    # 4 or 5 facts a stream, 9 at most a batch: two streams at most, never more than 9 facts
    assert all(len(b) <= 9 for b in batches)
    assert len(batches) >= EVENTS // 2
    assert len(set(seen)) == EVENTS + 1  # the loss events and the FX stream


def test_a_stream_longer_than_the_batch_is_one_batch(db):
    seed(db)
    with db.reading() as conn:
        batches = list(db.store.read_by_stream(conn, 3))
    longest = max(len(b) for b in batches)
    assert longest == 5  # E21..E23 have 5 facts: each read whole, alone
    assert all(len({r.stream_id for r in b}) == 1 for b in batches if len(b) > 3)


def test_verify_holds_one_batch_at_a_time(db):
    seed(db)
    sizes = Sizes()
    report = db.verify(batch_facts=6, progress=sizes)
    assert report.ok, str(report)
    facts = db.position()
    # the chain walk reports every 1,000 facts; the read models one batch (≤ 6 facts here, or
    # one stream of 4-5) at a time: no step holds more than the batch
    chain, models = sizes.steps[:1], sizes.steps[1:]
    assert chain == [facts]
    assert sum(models) == facts
    assert max(models) <= 6
    assert len(models) >= EVENTS // 2


def tamper_late(db) -> None:  # type: ignore[no-untyped-def]
    """A changed row in the last stream, a deleted one and one added in earlier streams."""
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE loss_event_versions SET title = 'edited' WHERE event_id = 'E23' AND version = 5"
            )
        )
        conn.execute(
            text("DELETE FROM ledger_lines WHERE event_id = 'E20' AND line_type = 'recovery'")
        )
        conn.execute(
            text(
                "INSERT INTO fx_rates (position, currency, quote, rate_date, rate, recorded_at) "
                "SELECT position + 1000, currency, quote, rate_date, rate, recorded_at "
                "FROM fx_rates WHERE position = (SELECT min(position) FROM fx_rates)"
            )
        )
        conn.execute(
            text(
                "UPDATE loss_event_versions SET version = 9 WHERE event_id = 'E22' AND version = 5"
            )
        )


def test_tampered_rows_in_late_batches_are_found_as_without_batches(db):
    seed(db)
    tamper_late(db)
    small = db.verify(batch_facts=5, progress=False)
    whole = db.verify(batch_facts=10**9, progress=False)
    assert not small.ok
    found = sorted(str(p) for p in small.problems)
    assert found == sorted(str(p) for p in whole.problems)
    text_ = "\n".join(found)
    assert (
        "loss_event_versions row {'event_id': 'E23', 'version': 5}: title is 'edited', the log gives 'loss 23'"
        in text_
    )
    assert "ledger_lines row {'position':" in text_ and " missing" in text_  # E20's recovery
    assert "loss_event_versions row {'event_id': 'E22', 'version': 5} missing" in text_
    assert "loss_event_versions row {'event_id': 'E22', 'version': 9} not in the log" in text_
    assert "fx_rates row at position" in text_ and "no such fact in the log" in text_
    assert len(found) == 5, text_
    assert all(p.kind == "read_model" for p in small.problems)  # the chains are intact


def test_a_range_of_streams_compares_those_only(db):
    seed(db)
    tamper_late(db)
    early = db.verify(streams="E00..E19", batch_facts=5, progress=False)
    assert early.ok, str(early)
    assert "read models of streams E00..E19 match" in str(early)
    late = db.verify(streams="E21..", batch_facts=5, progress=False)
    assert {p.stream_id for p in late.problems if p.stream_id} == {"E23"}
    assert any("E22" in p.detail for p in late.problems)
    assert not any("fx_rates" in p.detail for p in late.problems)  # orphans: whole log only


def test_a_bad_range_is_a_clear_error(db):
    with pytest.raises(ConfigurationError, match="invalid value 'E1' for 'streams'"):
        StreamRange.parse("E1")
    assert StreamRange.parse("..E9") == StreamRange(None, "E9")


def test_rebuild_in_small_batches_writes_the_same_tables(db):
    seed(db)
    before = tables(db)
    sizes = Sizes()
    assert db.rebuild(batch_facts=4, progress=sizes) == db.position()
    assert max(sizes.steps) <= 5 and sum(sizes.steps) == db.position()
    assert tables(db) == before
    assert db.verify(progress=False).ok


def test_cli_verify_and_rebuild_take_a_batch_and_a_range(db, db_url):
    seed(db)
    tamper_late(db)
    run = CliRunner().invoke
    out = run(main, ["--db", db_url, "verify", "--batch", "3", "--streams", "E00..E19"])
    assert out.exit_code == 0, out.output
    out = run(main, ["--db", db_url, "verify", "--batch", "3", "--no-progress"])
    assert out.exit_code == 1 and "title is 'edited'" in out.output
    out = run(main, ["--db", db_url, "verify", "--streams", "E1"])
    assert out.exit_code == 2 and "invalid value 'E1' for 'streams'" in out.output
    out = run(main, ["--db", db_url, "rebuild", "--batch", "7"])
    assert out.exit_code == 0, out.output
    out = run(main, ["--db", db_url, "verify", "--batch", "3"])
    assert out.exit_code == 0, out.output  # rebuilt from the log: every change undone


def test_jobs_compare_ranges_side_by_side_with_the_same_result(db, db_url):
    seed(db)
    tamper_late(db)
    if db_url.startswith("sqlite"):
        with pytest.raises(ConfigurationError, match="parallel checks need PostgreSQL"):
            db.verify(jobs=2, progress=False)
        return
    from oprisk.projections.parallel import split

    with db.reading() as conn:
        ranges = split(conn, 3, None, None)
    assert len(ranges) == 3 and ranges[0][0] is None and ranges[-1][1] is None
    assert all(a[1] < b[0] for a, b in pairwise(ranges))  # consecutive
    one = db.verify(batch_facts=5, progress=False)
    sizes = Sizes()
    three = db.verify(batch_facts=5, jobs=3, progress=sizes)
    assert sorted(map(str, three.problems)) == sorted(map(str, one.problems))
    assert len(three.problems) == 5
    assert sum(sizes.steps[1:]) == db.position()  # every fact compared, by one of the processes
    assert db.verify(batch_facts=5, jobs=3, streams="E00..E19", progress=False).ok
