"""The set-based capital loss data (``db.capital.loss_data``, what the SA's Loss Component reads)
against a per-event computation written here from the lines the test records: recoveries
received and receivable, a provision release, grouped losses (a root's flag applies to its
members, a withdrawn root's does not), three currencies, a USD rate that changes within the
window and a GBP rate known only as the inverse pair, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from oprisk.errors import MissingInputError

D = Decimal
ACTOR = "analyst"
ENTITY = "Bank AG"
#: USD → EUR rates by date (the rate changes on 2023-07-01); GBP only as EUR → GBP
USD_EUR = {date(2015, 1, 1): D("0.9"), date(2023, 7, 1): D("0.8")}
EUR_GBP = {date(2015, 1, 1): D("0.85")}
SIGN = {"loss": 1, "provision": 1, "provision_release": -1}

#: event → (currency, legal entity, flags); lines: (event, kind, amount, accounted_on, received)
EVENTS = {
    "A": ("EUR", ENTITY, {}),
    "B": ("USD", ENTITY, {}),
    "C": ("GBP", ENTITY, {"credit_boundary": True}),  # root of D: D is credit-boundary too
    "D": ("EUR", ENTITY, {}),
    "E": ("EUR", ENTITY, {}),  # withdrawn
    "F": ("EUR", "Other AG", {}),
    "G": ("USD", ENTITY, {"gain": True}),
    "H": ("EUR", ENTITY, {}),
    "R": ("EUR", ENTITY, {"gain": True}),  # withdrawn root: its flag does not reach M
    "M": ("GBP", ENTITY, {}),
}
LINES = [
    ("A", "loss", "30000", date(2019, 5, 1), True),
    ("A", "loss", "10000.50", date(2023, 3, 1), True),
    ("A", "recovery", "5000", date(2023, 6, 1), True),
    ("A", "recovery", "2000", date(2024, 1, 1), False),  # receivable: no effect on the net
    ("B", "loss", "50000", date(2022, 12, 31), True),
    ("B", "loss", "20000", date(2023, 7, 1), True),  # the new USD rate
    ("B", "provision", "8000", date(2023, 8, 1), True),
    ("B", "provision_release", "5000", date(2024, 2, 1), True),
    ("B", "loss", "999", date(2025, 1, 1), True),  # after the window
    ("C", "loss", "40000", date(2021, 3, 3), True),
    ("D", "loss", "25000", date(2022, 1, 1), True),
    ("E", "loss", "1000", date(2022, 5, 5), True),
    ("F", "loss", "3000", date(2024, 4, 4), True),
    ("G", "loss", "100", date(2020, 2, 2), True),
    ("H", "loss", "7000", date(2014, 12, 31), True),  # before the window
    ("H", "loss", "8000", date(2016, 6, 6), True),
    ("H", "loss", "1", date(2016, 7, 7), True),
    ("R", "loss", "500", date(2023, 1, 1), True),
    ("M", "loss", "600.25", date(2023, 2, 2), True),
]


def record(db) -> None:  # type: ignore[no-untyped-def]
    for on, rate in USD_EUR.items():
        db.record_fx_rate("USD", on, rate, actor="treasury", quote="EUR")
    for on, rate in EUR_GBP.items():
        db.record_fx_rate("EUR", on, rate, actor="treasury", quote="GBP")
    for eid, (cur, entity, flags) in EVENTS.items():
        db.report(
            eid,
            actor=ACTOR,
            title=f"Loss {eid}",
            event_type="ET7",
            business_line="BL3",
            legal_entity=entity,
            discovered_on=date(2014, 1, 1),
            occurred_on=date(2013, 12, 1),
            currency=cur,
            **flags,
        )
    for eid, kind, amount, on, received in LINES:
        cur = EVENTS[eid][0]
        if kind == "recovery":
            db.record_recovery(
                eid, actor=ACTOR, amount=amount, currency=cur, accounted_on=on, kind="other",
                received=received,
            )  # fmt: skip
        else:
            db.record_impact(eid, actor=ACTOR, amount=amount, currency=cur, accounted_on=on, kind=kind)  # fmt: skip
    db.link("D", "C", actor=ACTOR)
    db.link("M", "R", actor=ACTOR)
    db.withdraw("E", actor=ACTOR, reason="duplicate")
    db.withdraw("R", actor=ACTOR, reason="recorded in error")


def to_eur(amount: Decimal, cur: str, on: date) -> Decimal:
    """The latest rate dated on or before the day; GBP through the inverse of EUR → GBP."""
    if cur == "EUR":
        return amount
    if cur == "USD":
        return amount * USD_EUR[max(d for d in USD_EUR if d <= on)]
    return amount / EUR_GBP[max(d for d in EUR_GBP if d <= on)]


def expected(first: int, end: int, entity: str | None) -> dict[tuple[str, int], tuple]:
    """(event, year) → (net loss in EUR, lines, credit boundary, gain), one line at a time."""
    roots = {"D": "C", "M": "R"}
    withdrawn = {"E", "R"}
    out: dict[tuple[str, int], list] = {}
    for eid, kind, amount, on, received in LINES:
        cur, ent, _ = EVENTS[eid]
        if eid in withdrawn or not first <= on.year <= end or entity not in (None, ent):
            continue
        net = -D(amount) if kind == "recovery" and received else D(0) if kind == "recovery" else SIGN[kind] * D(amount)  # fmt: skip
        row = out.setdefault((eid, on.year), [D(0), 0])
        row[0] += to_eur(net, cur, on)
        row[1] += 1
    result = {}
    for (eid, year), (net, n) in out.items():
        flags = dict(EVENTS[eid][2])
        root = roots.get(eid)
        if root is not None and root not in withdrawn:
            for f, v in EVENTS[root][2].items():
                flags[f] = flags.get(f, False) or v
        result[(eid, year)] = (
            net,
            n,
            flags.get("credit_boundary", False),
            flags.get("gain", False),
        )
    return result


@pytest.mark.parametrize(
    ("year", "years", "entity"), [(2024, 10, None), (2024, 10, ENTITY), (2023, 3, None)]
)
def test_loss_data_equal_a_per_event_computation(db, year, years, entity) -> None:  # type: ignore[no-untyped-def]
    record(db)
    frame = db.capital.loss_data(year, years=years, legal_entity=entity)
    want = expected(year - years + 1, year, entity)
    got = {
        (r.event_id, r.accounting_year): (r.net_loss, r.lines, r.credit_boundary, r.gain)
        for r in frame.itertuples()
    }
    assert sorted(got) == sorted(want)
    assert list(zip(frame.event_id, frame.accounting_year, strict=True)) == sorted(want)
    for key, (net, n, cb, gain) in want.items():
        g_net, g_n, g_cb, g_gain = got[key]
        # a GBP line goes through the inverse rate, which the database rounds to 28 significant
        # digits (Decimal's default context): the products agree to far below a cent
        assert abs(g_net - net) <= D("1e-18") * max(abs(net), 1), key
        assert (g_n, g_cb, g_gain) == (n, cb, gain), key
    assert set(frame.currency) <= {"EUR"} and not frame.excluded.any()
    assert (
        frame.root_event_id[frame.event_id == "D"].tolist() == ["C"]
        if ("D", 2022) in want
        else True
    )
    in_window = {e for e, _, _, on, _ in LINES if year - years + 1 <= on.year <= year}
    assert frame.attrs["withdrawn_events"] == tuple(sorted(in_window & {"E", "R"}))


@pytest.mark.parametrize(
    ("year", "years", "entity"), [(2024, 10, None), (2024, 10, ENTITY), (2023, 3, None)]
)
def test_loss_data_from_an_exports_c17_reads_equal_their_own(db, year, years, entity) -> None:  # type: ignore[no-untyped-def]
    """An export computes the capital loss data from the events and lines its C 17 tables read
    (``load(..., capital=True)``, shared within ``sharing()``): the same inputs — NULL text as
    ``None``, NULL flags false, the same ``Decimal``s, the window's lines in log order — and the
    same loss data as the capital service's own reads, at the head and at an earlier cut-off."""
    import pandas as pd

    from oprisk.projections.capital_reads import LossInputs, in_window
    from oprisk.reports.data import load, resolve_cutoff

    record(db)
    first, until = date(year - years + 1, 1, 1), date(year, 12, 31)
    for as_of in (None, db.position() - 3):  # before the withdrawals and links were all made
        cut = resolve_cutoff(db.reports.uow, as_of)
        capital = db.capital
        alone = capital.loss_data(year, as_of=cut.position, years=years, legal_entity=entity)
        handed: dict[int, LossInputs] = {}
        load(db.reports.uow, cut, "EUR", share=handed.__setitem__)
        assert list(handed) == [cut.position]
        read = db.read.loss_inputs(cut.position, first, until)
        derived = in_window(handed[cut.position], first, until)
        pd.testing.assert_frame_equal(derived.events, read.events, check_exact=True)
        for column in read.events:  # None stays None (assert_frame_equal takes NaN for None)
            assert derived.events[column].tolist() == read.events[column].tolist(), column
        pd.testing.assert_frame_equal(derived.lines, read.lines, check_exact=True)
        assert list(map(str, derived.lines.net_effect)) == list(map(str, read.lines.net_effect))
        assert derived.awaiting == read.awaiting
        pd.testing.assert_frame_equal(derived.fx, read.fx)
        with capital.sharing():
            capital.share_inputs(cut.position, handed[cut.position])
            reads = db.read.loss_inputs
            db.read.loss_inputs = None  # the shared inputs are used: nothing is read again
            try:
                shared = capital.loss_data(
                    year, as_of=cut.position, years=years, legal_entity=entity
                )
            finally:
                db.read.loss_inputs = reads
        pd.testing.assert_frame_equal(shared, alone, check_exact=True)
        assert shared.attrs == alone.attrs


def test_a_missing_rate_names_the_pair_the_day_and_the_event(db) -> None:  # type: ignore[no-untyped-def]
    record(db)
    # EUR → USD is the inverse of USD → EUR; GBP → USD is known neither way
    with pytest.raises(MissingInputError, match=r"GBP→USD on or before 2021-03-03 \(event C\)"):
        db.capital.loss_data(2024, currency="USD")
