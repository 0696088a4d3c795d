"""``Database.losses()`` on both databases: amounts summed from the ledger, FX conversion at each
line's accounting date as known at the cut-off, NaN for unknown rates, the business cut-off,
withdrawn events, exact amounts and the column types. Expected values are derived by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from oprisk.domain import commands as c

AMOUNTS = [
    "gross_loss",
    "recoveries_insurance",
    "recoveries_other",
    "recoveries_receivable",
    "net_loss",
]
REPORTING = [f"{a}_reporting" for a in AMOUNTS]
NAN = float("nan")


def _report(db: Any, eid: str, currency: str, **kw: Any) -> None:
    fields: dict[str, Any] = dict(
        title=f"Loss {eid}",
        event_type="ET2.1",
        business_line="BL4",
        occurred_on=date(2024, 1, 5),
        discovered_on=date(2024, 1, 20),
        currency=currency,
    )
    fields.update(kw)
    db.report(eid, actor="ann", **fields)


def _impact(db: Any, eid: str, amount: str, cur: str, on: date, kind: str = "loss") -> None:
    db.record_impact(eid, actor="fin", amount=amount, currency=cur, accounted_on=on, kind=kind)


def _recovery(
    db: Any, eid: str, amount: str, cur: str, on: date, kind: str, received: bool = True
) -> None:
    db.record_recovery(
        eid,
        actor="fin",
        amount=amount,
        currency=cur,
        accounted_on=on,
        kind=kind,
        received=received,
    )


def build(db: Any) -> dict[str, int]:
    """The scenario; returns the positions of the interesting cut-offs."""
    cuts: dict[str, int] = {}
    # E1 (EUR): every kind of line
    _report(db, "E1", "EUR")
    _impact(db, "E1", "1000", "EUR", date(2024, 2, 1))
    _impact(db, "E1", "500", "EUR", date(2024, 3, 1), "provision")
    _impact(db, "E1", "200", "EUR", date(2024, 6, 1), "provision_release")
    _recovery(db, "E1", "300", "EUR", date(2024, 4, 1), "insurance")
    _recovery(db, "E1", "100", "EUR", date(2024, 5, 1), "other")
    _recovery(db, "E1", "50", "EUR", date(2024, 5, 15), "insurance", received=False)
    # E2 (USD): rates revised after the cut-off "usd_first"
    _report(db, "E2", "USD", event_type="ET7.1", business_line="BL3", legal=True)
    _impact(db, "E2", "1000", "USD", date(2024, 6, 30))
    _recovery(db, "E2", "200", "USD", date(2024, 7, 15), "other")
    db.record_fx_rate("USD", date(2024, 6, 28), "0.90", actor="fx")
    cuts["usd_first"] = db.position()
    db.record_fx_rate("USD", date(2024, 6, 30), "0.95", actor="fx")
    db.record_fx_rate("USD", date(2024, 6, 30), "0.96", actor="fx")  # revises the 0.95
    db.record_fx_rate("USD", date(2024, 7, 10), "2.00", actor="fx")
    db.record_fx_rate("USD", date(2024, 7, 20), "9.00", actor="fx")  # after every USD line
    # E3 (GBP): one line before any GBP rate, so its reporting gross and net are unknown
    _report(db, "E3", "GBP", business_line="BL21")
    _impact(db, "E3", "100", "GBP", date(2024, 1, 10))
    _impact(db, "E3", "200", "GBP", date(2024, 3, 10))
    db.record_fx_rate("GBP", date(2024, 2, 1), "1.20", actor="fx")
    # E4 (JPY): only the inverse pair EUR→JPY is known
    _report(db, "E4", "JPY", event_type="ET4.1")
    db.record_fx_rate("EUR", date(2024, 1, 1), "160", actor="fx", quote="JPY")
    _impact(db, "E4", "16000", "JPY", date(2024, 2, 1))
    # E5: no lines; E6: withdrawn; E7: linked to E1 and excluded; E8: lines only after mid-2024
    _report(db, "E5", "EUR", event_type="ET1", business_line="BL1")
    _report(db, "E6", "EUR")
    _impact(db, "E6", "70", "EUR", date(2024, 2, 2))
    db.withdraw("E6", actor="ann", reason="duplicate")
    _report(db, "E7", "EUR", event_type="ET6", business_line="BL2")
    _impact(db, "E7", "40", "EUR", date(2024, 8, 1), "cost")
    db.link("E7", "E1", actor="ann")
    db.exclude(
        "E7", actor="boss", approval_reference="EX-1", approved_on=date(2024, 9, 1), reason="r"
    )
    db.approve_request("E7", actor="reviewer")  # four eyes: effective once approved
    cuts["mid"] = db.position()
    _report(db, "E8", "EUR")
    _impact(db, "E8", "900", "EUR", date(2024, 9, 1))
    _recovery(db, "E8", "10.5", "EUR", date(2024, 3, 1), "other")  # accounted before its impact
    cuts["head"] = db.position()
    return cuts


def _rows(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return df.set_index("event_id").to_dict("index")


def _check(row: dict[str, Any], expected: dict[str, float]) -> None:
    for col, want in expected.items():
        got = row[col]
        if np.isnan(want):
            assert pd.isna(got), (col, got)
        else:
            assert got == pytest.approx(want), (col, got, want)


def _amounts(g: float, ins: float, oth: float, rcv: float, net: float) -> dict[str, float]:
    return dict(zip(AMOUNTS, (g, ins, oth, rcv, net), strict=True))


def _reporting(g: float, ins: float, oth: float, rcv: float, net: float) -> dict[str, float]:
    return dict(zip(REPORTING, (g, ins, oth, rcv, net), strict=True))


def test_amounts_rates_and_types_at_the_head(db: Any) -> None:
    build(db)
    df = db.losses()
    assert list(df.event_id) == ["E1", "E2", "E3", "E4", "E5", "E7", "E8"]  # E6 withdrawn
    rows = _rows(df)
    e1 = rows["E1"]
    # gross 1000 + 500 - 200; recoveries received 300 + 100; 50 receivable; net 1300 - 400
    _check(e1, _amounts(1300, 300, 100, 50, 900) | _reporting(1300, 300, 100, 50, 900))
    assert e1["first_accounted_on"] == pd.Timestamp(2024, 2, 1)
    # USD: the impact at the revised 0.96, the recovery (7-15) at the 7-10 rate 2.00
    e2 = rows["E2"]
    _check(e2, _amounts(1000, 0, 200, 0, 800) | _reporting(960, 0, 400, 0, 560))
    # GBP: the 1-10 line has no rate → gross and net unknown; recoveries are 0, not unknown
    _check(rows["E3"], _amounts(300, 0, 0, 0, 300) | _reporting(NAN, 0, 0, 0, NAN))
    # JPY through the inverse of EUR→JPY 160
    _check(rows["E4"], _amounts(16000, 0, 0, 0, 16000) | _reporting(100, 0, 0, 0, 100))
    _check(rows["E5"], _amounts(0, 0, 0, 0, 0) | _reporting(0, 0, 0, 0, 0))
    assert pd.isna(rows["E5"]["first_accounted_on"])
    e7 = rows["E7"]
    assert (e7["root_event_id"], e7["excluded"], e7["exclusion_reference"]) == ("E1", True, "EX-1")
    _check(e7, _amounts(40, 0, 0, 0, 40))
    e8 = rows["E8"]
    _check(e8, _amounts(900, 0, 10.5, 0, 889.5) | _reporting(900, 0, 10.5, 0, 889.5))
    assert e8["first_accounted_on"] == pd.Timestamp(2024, 9, 1)  # impacts only, not the recovery
    assert rows["E2"]["legal"] and not rows["E1"]["legal"]
    assert rows["E2"]["event_type_name"] == "Execution, Delivery and Process Management"
    assert set(df.reporting_currency) == {"EUR"}

    for col in [*AMOUNTS, *REPORTING]:
        assert df[col].dtype == np.float64, col
    for col in ["event_type", "event_type_l1", "cause", "business_line", "business_line_l1"]:
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    for col in ["occurred_on", "discovered_on", "first_accounted_on"]:
        assert df[col].dtype == "datetime64[s]", col  # .dt and resampling work
    assert df.first_accounted_on.dt.year.tolist()[:2] == [2024, 2024]
    for col in ["event_type_name", "cause_name", "business_line_name"]:
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert df.near_miss.dtype == bool and df.version.dtype == np.int64
    assert isinstance(rows["E1"]["occurred_on"], date)
    assert isinstance(rows["E1"]["first_accounted_on"], date)


def test_rates_known_at_the_cut_off_and_the_business_cut_off(db: Any) -> None:
    cuts = build(db)
    # at usd_first only the 6-28 rate 0.90 is known; E3, E4 and E8 are not reported yet
    early = _rows(db.losses(as_of=cuts["usd_first"]))
    assert sorted(early) == ["E1", "E2"]
    _check(early["E2"], _reporting(900, 0, 180, 0, 720))
    # mid: E8 not yet reported; include_withdrawn brings E6 back
    mid = db.losses(as_of=cuts["mid"], include_withdrawn=True)
    assert list(mid.event_id) == ["E1", "E2", "E3", "E4", "E5", "E6", "E7"]
    e6 = _rows(mid)["E6"]
    assert e6["status"] == "withdrawn"
    _check(e6, _amounts(70, 0, 0, 0, 70) | _reporting(70, 0, 0, 0, 70))
    # accounted by the end of March: only events with lines by then, amounts limited to them
    q1 = _rows(db.losses(accounted_until="2024-03-31"))
    assert sorted(q1) == ["E1", "E3", "E4", "E8"]
    _check(q1["E1"], _amounts(1500, 0, 0, 0, 1500) | _reporting(1500, 0, 0, 0, 1500))
    _check(q1["E3"], _amounts(300, 0, 0, 0, 300) | _reporting(NAN, 0, 0, 0, NAN))
    # E8 has only its recovery by then: no impact date, a negative net loss
    _check(q1["E8"], _amounts(0, 0, 10.5, 0, -10.5) | _reporting(0, 0, 10.5, 0, -10.5))
    assert pd.isna(q1["E8"]["first_accounted_on"])
    jan = _rows(db.losses(accounted_until=date(2024, 1, 31)))
    assert sorted(jan) == ["E3"]
    _check(jan["E3"], _amounts(100, 0, 0, 0, 100) | _reporting(NAN, 0, 0, 0, NAN))
    assert db.losses(accounted_until="2023-12-31").empty
    assert db.losses(as_of=0).empty


def test_other_reporting_currency_exact_amounts_and_labels(db: Any) -> None:
    build(db)
    usd = _rows(db.losses(currency="USD"))
    assert {r["reporting_currency"] for r in usd.values()} == {"USD"}
    # EUR lines through the inverse of USD→EUR at the line's date: E1 lines are all before
    # 6-28, so unknown. E8: the 9-01 impact would be 900 / 9.00, but the 3-01 recovery has no
    # rate, and one unknown line makes every reporting amount of the event that is not 0 unknown
    _check(usd["E1"], _reporting(NAN, NAN, NAN, NAN, NAN))
    _check(usd["E2"], _reporting(1000, 0, 200, 0, 800))
    _check(usd["E8"], _reporting(NAN, 0, NAN, 0, NAN))
    _check(usd["E5"], _reporting(0, 0, 0, 0, 0))

    exact = db.losses(exact=True)
    e1 = _rows(exact)["E1"]
    assert [e1[a] for a in AMOUNTS] == [Decimal(x) for x in ("1300", "300", "100", "50", "900")]
    assert all(isinstance(e1[a], Decimal) for a in AMOUNTS)
    assert _rows(exact)["E8"]["net_loss"] == Decimal("889.5")
    assert _rows(exact)["E5"]["gross_loss"] == Decimal(0)

    zh = _rows(db.losses(lang="zh"))
    assert zh["E1"]["event_type_name"] == "外部欺诈事件"
    assert zh["E1"]["business_line_name"] != _rows(db.losses())["E1"]["business_line_name"]


def test_ledger_converts_each_line(db: Any) -> None:
    build(db)
    led = db.ledger(accounted_until="2024-07-31")
    e2 = led[led.event_id == "E2"].sort_values("accounted_on")
    assert list(e2.gross_effect_reporting) == pytest.approx([960.0, 0.0])
    assert list(e2.net_effect_reporting) == pytest.approx([960.0, -400.0])
    e3 = led[led.event_id == "E3"].sort_values("accounted_on")
    assert pd.isna(e3.amount_reporting.iloc[0]) and e3.amount_reporting.iloc[1] == pytest.approx(
        240.0
    )
    assert isinstance(e2.accounted_on.iloc[0], date)


@pytest.mark.parametrize("exact", [False, True])
def test_summing_ledger_frames_gives_the_same_amounts(db: Any, exact: bool) -> None:
    """``sum_lines`` also takes :func:`~oprisk.projections.queries.ledger_at`'s frames (line
    types, kinds and dates as objects): the same sums as the query path."""
    from oprisk.projections import frames
    from oprisk.projections import queries as q

    cuts = build(db)
    with db.reading() as conn:
        ledger = q.ledger_at(conn, cuts["head"])
        fast = frames.lines(conn, cuts["head"], None, exact)
        fx = q.fx_at(conn, cuts["head"])
        january = frames.lines(conn, cuts["head"], date(2024, 1, 31), exact)
    assert list(january.event_id) == ["E3"]
    assert len(fast) == len(ledger) and list(fast.event_id) == list(ledger.event_id)
    for quote in ("EUR", "USD"):
        pd.testing.assert_frame_equal(
            pd.DataFrame(frames.sum_lines(ledger, fx, quote, exact)),
            pd.DataFrame(frames.sum_lines(fast, fx, quote, exact)),
        )


def test_exact_mode_keeps_an_unknown_rate_unknown(db):
    db.report(
        "U",
        actor="a",
        title="t",
        event_type="ET7",
        business_line="BL3",
        discovered_on=date(2024, 1, 2),
        currency="JPY",
    )
    db.record_impact("U", actor="a", amount="1000", currency="JPY", accounted_on=date(2024, 1, 3))
    db.report(
        "Z",
        actor="a",
        title="t",
        event_type="ET7",
        business_line="BL3",
        discovered_on=date(2024, 1, 2),
        currency="JPY",
    )
    for exact in (False, True):
        df = db.losses(exact=exact).set_index("event_id")
        assert pd.isna(df.loc["U", "gross_loss_reporting"]), exact
        assert df.loc["Z", "gross_loss_reporting"] == 0, exact


AWKWARD = [
    "plain",
    "",
    "\\N",
    "tab\there",
    "line\nbreak and \r return",
    'quote " and comma, ; semicolon',
    "back\\slash",
    "损失 ✓ ünïcode",
    "  spaces  ",
    "NULL",
]


def test_awkward_text_survives_the_bulk_write_and_the_frame_read(db: Any) -> None:
    """Version rows are written in bulk (COPY on PostgreSQL) and read back for ``losses()`` (COPY
    to CSV on PostgreSQL): every character, the empty string and NULL must come back as written,
    in batches that mix rows needing escapes with rows that do not."""
    _awkward_round_trip(db)


def test_awkward_text_survives_reads_in_many_small_blocks(db: Any, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The same, with the reads cut into many pieces: CSV blocks of 1 KB on PostgreSQL (rows with
    line breaks and quotes fall across block ends; freed memory handed back after every second
    block) and cursor chunks of 7 rows on SQLite."""
    from oprisk.projections import columns

    monkeypatch.setattr(columns, "BLOCK", 1024)
    monkeypatch.setattr(columns, "RELEASE_EVERY", 2)
    monkeypatch.setattr(columns, "CHUNK", 7)
    _awkward_round_trip(db, repeat=12)


def _awkward_round_trip(db: Any, repeat: int = 3) -> None:
    cmds = []
    for i, text in enumerate(AWKWARD * repeat):
        cmds.append(
            c.ReportLossEvent(
                event_id=f"A{i:03d}",
                actor="ann",
                title=f"t{i} {text}",
                description=text,
                event_type="ET2.1",
                business_line="BL4",
                discovered_on=date(2024, 1, 20),
                currency="EUR",
                org_unit=text,
                source=None if i % 2 else text,
                external_id=text if i % 3 else None,
            )
        )
        cmds.append(
            c.RecordImpact(
                event_id=f"A{i:03d}",
                actor="fin",
                amount=f"{i}.25",
                currency="EUR",
                accounted_on=date(2024, 2, 1),
                note=text,
            )
        )
    db.execute(cmds)
    got = _rows(db.losses(as_of=db.position()))
    mid = _rows(db.losses(as_of=db.position() - 1))
    for i, text in enumerate(AWKWARD * repeat):
        row = got[f"A{i:03d}"]
        assert row["title"] == f"t{i} {text}"
        assert row["description"] == text and row["org_unit"] == text
        assert (row["source"] is None or pd.isna(row["source"])) if i % 2 else row["source"] == text
        if i % 3:
            assert row["external_id"] == text
        else:
            assert pd.isna(row["external_id"])
        assert row["gross_loss"] == float(f"{i}.25")
        assert mid[f"A{i:03d}"]["description"] == text
    assert db.verify().ok


def test_types_follow_the_rows_read_when_rows_are_left_out(db: Any) -> None:
    """The frame's columns are taken from the rows read, after withdrawn events are left out: a
    text column keeps pandas' string dtype when its only value is a withdrawn event's, and a
    frame of no rows keeps the dtypes of its columns."""
    _report(db, "W1", "EUR", external_id="X-1")
    _report(db, "W2", "EUR")
    db.withdraw("W1", actor="ann", reason="duplicate")
    df = db.losses()
    assert list(df.event_id) == ["W2"] and pd.isna(df.external_id.iloc[0])
    assert df.external_id.dtype == pd.Series(["x"]).dtype  # the column read was not all NULL
    assert df.pending.dtype == object  # NULL in every row read
    both = db.losses(include_withdrawn=True)
    assert list(both.event_id) == ["W1", "W2"] and both.external_id.iloc[0] == "X-1"
    db.withdraw("W2", actor="ann", reason="duplicate")
    none = db.losses()
    assert none.empty and list(none.columns) == list(df.columns)
    assert (none.dtypes == df.dtypes).all()
