"""A load's per-batch lookups stay on their indexes on PostgreSQL without autovacuum (issue 19).

Tables a load has just filled have no planner statistics when autovacuum is off; the planner then
takes a batch's ``stream_id IN (…)`` for half the table and reads it whole, and a load grows with
the square of the data. The loader refreshes the statistics as the log doubles
(:mod:`oprisk.store.statistics`): these tests EXPLAIN every read and update a batch makes, as the
loader made it, on such a table.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import event, text

from oprisk.api import connect
from oprisk.store import statistics

GROWN = ("events", "loss_event_versions", "ledger_lines")


def register(path: Path, n: int, bump: int = 0) -> Path:
    """``n`` incidents; with ``bump``, every third one's gross loss raised by that much."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["external_id", "title", "event_type", "business_line", "legal_entity",
                    "discovered_on", "accounted_on", "currency", "gross_loss",
                    "recovery_insurance"])  # fmt: skip
        for i in range(n):
            gross = 1000 + i + (bump if i % 3 == 0 else 0)
            w.writerow([f"INC-{i:06d}", f"loss {i}", f"ET{1 + i % 7}", f"BL{1 + i % 8}",
                        "Bank AG", "2024-03-01", "2024-03-15", ["EUR", "USD", "GBP"][i % 3],
                        gross, 100 if i % 5 == 0 else 0])  # fmt: skip
    return path


def captured(db, run):  # type: ignore[no-untyped-def]
    """The statements (with their parameters) ``run()`` sends that read or update."""
    seen: list[tuple[str, object]] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        head = statement.lstrip().split(None, 1)[0].upper()
        if not executemany and head in ("SELECT", "UPDATE", "WITH"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


def plans(db, statements):  # type: ignore[no-untyped-def]
    out = []
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars().all()
            out.append((statement, "\n".join(rows)))
        conn.rollback()
    return out


def full_reads(found):  # type: ignore[no-untyped-def]
    return [
        (s.split("\n")[0][:120], p)
        for s, p in found
        if any(f"Seq Scan on {t}" in p for t in GROWN)
        or "ix_loss_event_versions_valid_to_position" in p
    ]


def has_statistics(db) -> bool:  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        n = conn.execute(
            text(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'events' AND attname = 'stream_id'"
            )
        ).scalar_one()
    return bool(n)


def test_batch_lookups_use_indexes_on_fresh_tables_without_autovacuum(
    pg_url, tmp_path, monkeypatch
):
    db = connect(pg_url)
    with db.engine.begin() as conn:
        for t in GROWN:
            conn.execute(text(f"ALTER TABLE {t} SET (autovacuum_enabled = false)"))
    first = register(tmp_path / "first.csv", 1500)
    second = register(tmp_path / "second.csv", 1500, bump=50)

    # without the loader's refresh (its threshold out of reach) the planner has no statistics,
    # and the lookups of the next load read the tables whole: what made loads quadratic
    monkeypatch.setattr(statistics, "FIRST", 10**12)
    db.load(first, kind="incidents", source="GRC", actor="loader", batch_size=100, progress=False)
    assert not has_statistics(db)
    before = plans(db, captured(db, lambda: db.load(
        second, kind="incidents", source="GRC", actor="loader", batch_size=100, progress=False
    )))  # fmt: skip
    assert full_reads(before), "expected full reads without statistics"

    # with it, the loader gathers them once the log passes the threshold (here 2,000 facts);
    # batches of 10 rows against some 5,000 facts: a key lookup is the plan that fits
    monkeypatch.setattr(statistics, "FIRST", 2000)
    third = register(tmp_path / "third.csv", 300, bump=90)
    statements = captured(db, lambda: db.load(
        third, kind="incidents", source="GRC", actor="loader", batch_size=10, progress=False
    ))  # fmt: skip
    assert has_statistics(db)
    found = plans(db, statements)
    assert any("stream_id IN" in s for s, _ in found)  # the batch's stream reads were seen
    assert any("UPDATE loss_event_versions" in s for s, _ in found)  # and the version closes
    assert not full_reads(found), full_reads(found)
    assert all("Index" in p for s, p in found if "events" in s and "log_head" not in s)
    db.close()


def test_version_closes_are_one_statement_whatever_the_batch(pg_url, tmp_path):
    # the close of a batch's open version rows was a VALUES list of its rows: a new statement
    # (compiled afresh by SQLAlchemy) every batch; as arrays it is one text, compiled once
    db = connect(pg_url)
    db.load(register(tmp_path / "first.csv", 200), kind="incidents", source="GRC",
            actor="loader", batch_size=50, progress=False)  # fmt: skip
    second = register(tmp_path / "second.csv", 230, bump=70)
    statements = captured(db, lambda: db.load(
        second, kind="incidents", source="GRC", actor="loader", batch_size=40, progress=False
    ))  # fmt: skip
    closes = [(s, p) for s, p in statements if s.startswith("UPDATE loss_event_versions")]
    sizes = {len(p["ids"]) for _, p in closes}  # type: ignore[index]
    assert len(closes) >= 3 and len(sizes) >= 2  # batches closing different numbers of rows
    assert len({s for s, _ in closes}) == 1
    with db.engine.connect() as conn:  # and every event kept exactly one open version row
        open_rows, events = conn.execute(text(
            "SELECT count(*), count(DISTINCT event_id) FROM loss_event_versions "
            "WHERE valid_to_position IS NULL"
        )).one()  # fmt: skip
    assert open_rows == events == 230
    db.close()
