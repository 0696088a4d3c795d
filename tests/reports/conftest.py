"""A hand-built loss data set for the report tests (figures derived by hand in test_golden.py).

Reporting currency EUR, period 2025, C 17 collection threshold 10,000. Events (ET / BL level 1):

| id        | ET  | BL  | cur | lines (accounting date)                                    | note                       |
|-----------|-----|-----|-----|------------------------------------------------------------|----------------------------|
| A-SMALL   | ET7 | BL3 | EUR | loss 15,000 (2025-03-10)                                   | new, band 10k-20k          |
| B-NEW     | ET2 | BL3 | EUR | loss 50,000 (04-01), cost 5,000 (05-01), other recovery    | new, band 20k-100k;        |
|           |     |     |     | 10,000 received (06-01), insurance 5,000 receivable (07-01),| receivable ignored;        |
|           |     |     |     | loss 7,000 (2026-02-01)                                    | 2026 line out of period    |
| C-BIG     | ET4 | BL1 | EUR | loss 1,200,000 (02-01), insurance 300,000 received (09-30) | new, band ≥ 1m             |
| D-CROSS   | ET7 | BL4 | EUR | loss 80,000 (2024-06-30), provision 40,000 (2025-03-31)    | adjustment 20k-100k → 100k-1m |
| E-DOWN    | ET6 | BL5 | EUR | provision 30,000 (2024-11-15), release 5,000 (2025-02-15)  | negative adjustment        |
| G-ROOT    | ET1 | BL2 | EUR | loss 60,000 (2025-05-20)                                   | group root                 |
| G-CHILD   | ET5 | BL9 | GBP | loss 50,000 GBP (2025-06-10) = 70,000 EUR at 1.40          | linked to G-ROOT           |
| H-GAIN    | ET7 | BL3 | EUR | loss 25,000 (2025-04-04)                                   | gain: out of scope         |
| W-DUP     | ET2 | BL3 | EUR | loss 200,000 (2025-03-01)                                  | withdrawn                  |
| R-MOVED   | ET2→ET4 | BL3→BL6 | EUR | loss 40,000 (2025-08-01)                           | reclassified before T      |
| M-USD     | ET7 | BL7 | USD | loss 100,000 USD (01-15) at 0.90, cost 20,000 USD (10-01)   | 90,000 + 19,000 EUR        |
|           |     |     |     | at 0.95                                                    |                            |
| S-BELOW   | ET7 | BL3 | EUR | loss 5,000 (2025-07-01)                                    | below the threshold        |
| O-OLD     | ET7 | BL3 | EUR | loss 500,000 (2023-01-01), other recovery 20,000 (2025-04-30) | old, recovery only; excluded (OR1) |
| F-LATER   | ET7 | BL3 | EUR | loss 50,000 (2026-01-10)                                   | after the period           |

FX (EUR per unit): USD 0.90 dated 2025-01-01, USD 0.95 dated 2025-09-30, GBP 1.40 dated 2025-06-01.
Financials (Bank AG, 2023-2025): gross income by line (reference §3.3) and the BI items of §4.7,
in whole EUR.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

ACTOR = "ann"
ENTITY = "Bank AG"
LEI = "529900T8BM49AURSDO55"
M = Decimal(1_000_000)
TSA_GI = {  # reference §3.3, EUR m, 2023..2025
    "BL1": [50, 40, -30],
    "BL2": [200, -300, 150],
    "BL3": [600, 550, -700],
    "BL4": [300, 280, -200],
    "BL5": [80, 70, 60],
    "BL6": [40, 35, 30],
    "BL7": [60, -20, 50],
    "BL8": [70, 65, -100],
}
BI = {  # reference §4.7, EUR m, t-2..t = 2023..2025
    "interest_income": [2400, 2600, 2900],
    "interest_expense": [1300, 1500, 1750],
    "interest_earning_assets": [45000, 48000, 51000],
    "dividend_income": [20, 25, 30],
    "fee_income": [700, 750, 800],
    "fee_expense": [200, 220, 240],
    "other_operating_income": [80, 60, 90],
    "other_operating_expense": [120, 100, 110],
    "net_pnl_trading_book": [150, -90, 210],
    "net_pnl_banking_book": [40, 30, -20],
}
YEARS = [2023, 2024, 2025]


def report(db, eid: str, et: str, bl: str, currency: str = "EUR", **kw) -> None:
    fields = dict(
        title=f"Loss {eid}",
        event_type=et,
        business_line=bl,
        legal_entity=ENTITY,
        lei=LEI,
        org_unit="Ops",
        discovered_on=date(2023, 1, 1),
        occurred_on=date(2022, 12, 1),
        currency=currency,
    )
    fields.update(kw)
    db.report(eid, actor=ACTOR, **fields)


def loss(db, eid: str, amount: str, on: date, kind: str = "loss", currency: str = "EUR") -> None:
    db.record_impact(eid, actor=ACTOR, amount=amount, currency=currency, accounted_on=on, kind=kind)


def recovery(
    db, eid: str, amount: str, on: date, kind: str = "other", received: bool = True
) -> None:
    db.record_recovery(
        eid,
        actor=ACTOR,
        amount=amount,
        currency="EUR",
        accounted_on=on,
        kind=kind,
        received=received,
    )


def financials() -> list[dict]:
    rows = []
    for i, y in enumerate(YEARS):
        rows += [
            {
                "legal_entity": ENTITY,
                "year": y,
                "item": "gross_income",
                "business_line": bl,
                "amount": str(v[i] * M),
            }
            for bl, v in TSA_GI.items()
        ]
        rows += [
            {"legal_entity": ENTITY, "year": y, "item": item, "amount": str(v[i] * M)}
            for item, v in BI.items()
        ]
        rows += [
            {
                "legal_entity": ENTITY,
                "year": y,
                "item": "loans_and_advances",
                "business_line": bl,
                "amount": str(v * M),
            }
            for bl, v in (("BL3", 10000), ("BL4", 8000))
        ]
    return rows


def seed(db) -> None:
    d = date
    db.record_fx_rate("USD", d(2025, 1, 1), "0.90", actor=ACTOR)
    db.record_fx_rate("USD", d(2025, 9, 30), "0.95", actor=ACTOR)
    db.record_fx_rate("GBP", d(2025, 6, 1), "1.40", actor=ACTOR)
    db.record_financials(financials(), actor=ACTOR)

    report(db, "A-SMALL", "ET7.1", "BL31")
    loss(db, "A-SMALL", "15000", d(2025, 3, 10))
    report(
        db,
        "B-NEW",
        "ET2.1",
        "BL31",
        title="Card skimming",
        description="ATM network, several branches",
    )
    loss(db, "B-NEW", "50000", d(2025, 4, 1))
    loss(db, "B-NEW", "5000", d(2025, 5, 1), kind="cost")
    recovery(db, "B-NEW", "10000", d(2025, 6, 1))
    recovery(db, "B-NEW", "5000", d(2025, 7, 1), kind="insurance", received=False)
    loss(db, "B-NEW", "7000", d(2026, 2, 1))
    report(
        db,
        "C-BIG",
        "ET4.1",
        "BL11",
        title="Mis-selling settlement",
        occurred_on=d(2021, 5, 3),
        discovered_on=d(2024, 11, 20),
    )
    loss(db, "C-BIG", "1200000", d(2025, 2, 1))
    recovery(db, "C-BIG", "300000", d(2025, 9, 30), kind="insurance")
    report(db, "D-CROSS", "ET7.1", "BL41")
    loss(db, "D-CROSS", "80000", d(2024, 6, 30))
    loss(db, "D-CROSS", "40000", d(2025, 3, 31), kind="provision")
    report(db, "E-DOWN", "ET6.1", "BL51")
    loss(db, "E-DOWN", "30000", d(2024, 11, 15), kind="provision")
    loss(db, "E-DOWN", "5000", d(2025, 2, 15), kind="provision_release")
    report(db, "G-ROOT", "ET1.1", "BL21", title="Rogue trading")
    loss(db, "G-ROOT", "60000", d(2025, 5, 20))
    report(
        db, "G-CHILD", "ET5.1", "BL9", currency="GBP", legal_entity="Bank UK Ltd", org_unit="London"
    )
    loss(db, "G-CHILD", "50000", d(2025, 6, 10), currency="GBP")
    db.link("G-CHILD", "G-ROOT", actor=ACTOR)
    report(db, "H-GAIN", "ET7.1", "BL31", gain=True)
    loss(db, "H-GAIN", "25000", d(2025, 4, 4))
    report(db, "W-DUP", "ET2.1", "BL31")
    loss(db, "W-DUP", "200000", d(2025, 3, 1))
    db.withdraw("W-DUP", actor=ACTOR, reason="duplicate of B-NEW")
    report(db, "R-MOVED", "ET2.1", "BL31")
    loss(db, "R-MOVED", "40000", d(2025, 8, 1))
    db.reclassify(
        "R-MOVED", actor="rev", event_type="ET4.1", business_line="BL61", reason="custody error"
    )
    report(db, "M-USD", "ET7.1", "BL71", currency="USD")
    loss(db, "M-USD", "100000", d(2025, 1, 15), currency="USD")
    loss(db, "M-USD", "20000", d(2025, 10, 1), kind="cost", currency="USD")
    report(db, "S-BELOW", "ET7.1", "BL31")
    loss(db, "S-BELOW", "5000", d(2025, 7, 1))
    report(db, "O-OLD", "ET7.1", "BL31")
    loss(db, "O-OLD", "500000", d(2023, 1, 1))
    recovery(db, "O-OLD", "20000", d(2025, 4, 30))
    db.exclude(
        "O-OLD",
        actor="sup",
        approval_reference="SUP-2025-7",
        approved_on=d(2025, 12, 1),
        reason="divested business",
    )
    db.approve_request("O-OLD", actor="reviewer")  # four eyes: effective once approved
    report(db, "F-LATER", "ET7.1", "BL31")
    loss(db, "F-LATER", "50000", d(2026, 1, 10))


def append_later(db) -> None:
    """Facts learned after the cut-off: none of them may change an export made at the cut-off."""
    d = date
    report(db, "N-LATE", "ET7.1", "BL31")
    loss(db, "N-LATE", "250000", d(2025, 6, 30))
    loss(db, "A-SMALL", "10000", d(2025, 12, 31), kind="cost")
    db.reclassify("C-BIG", actor="rev", business_line="BL81", reason="retail brokerage after all")
    db.record_recovery(
        "M-USD", actor=ACTOR, amount="10000", currency="USD", accounted_on=d(2025, 11, 30)
    )
    db.record_fx_rate("USD", d(2025, 1, 10), "0.99", actor=ACTOR)
    db.record_fx_rate("GBP", d(2025, 6, 1), "1.10", actor=ACTOR)  # a revised rate for the same date
    db.record_financials(
        {"legal_entity": ENTITY, "year": 2025, "item": "fee_income", "amount": str(900 * M)},
        actor=ACTOR,
    )


@pytest.fixture
def seeded(db, clock):
    """The data set, and the knowledge cut-off T right after it was recorded."""
    clock.jump(datetime(2026, 2, 1, 9, tzinfo=UTC))
    seed(db)
    cutoff = clock.now + timedelta(seconds=1)
    clock.jump(datetime(2026, 3, 1, 9, tzinfo=UTC))
    return db, cutoff


@pytest.fixture
def seed_facts():
    """A function recording the data set (for tests that need it on more than one database)."""
    return seed


@pytest.fixture
def more_facts():
    """A function appending the facts learned after the cut-off."""
    return append_later
