"""A hand-built small bank for the EBA 4.2 (CRR3) templates; every figure in test_eba42.py is
derived by hand from the facts below.

Reporting currency EUR; reference date 2026-06-30 (period 1 Jan – 30 Jun 2026, capital year
t = 2025); loss threshold 20,000. Group "Small Bank SA" (LEI 529900SMALLBANK00042) with the
Art 314(3) subsidiary "Small Leasing GmbH" (LEI 529900SMALLLEASE0017).

BI items, EUR m, 2023 / 2024 / 2025 (the group's include the subsidiary's):

| item | group | subsidiary |
|---|---|---|
| interest income | 600 / 640 / 700 | 120 / 130 / 150 |
| interest expense | 200 / 220 / 250 | 40 / 45 / 50 |
| interest-earning assets | 20,000 / 21,000 / 22,000 | 1,000 / 1,100 / 1,200 |
| dividend income | 10 / 12 / 14 | 0 |
| fee income / expense | 300 / 320 / 350 and 100 / 110 / 120 | 0 |
| other operating income / expense | 50 / 40 / 60 and 80 / 70 / 90 | 0 |
| net P&L trading book (prudential) | 30 / −20 / 40 (25 / −15 / 35) | 0 |
| net P&L banking book | 10 / 20 / −10 | 0 |

Sub-items: interest income = interest 550 / 586 / 640 + lease income 50 / 54 / 60; losses from
operational risk events in other operating expenses 0.5 / 0.8 / 1.1. C 16.03: provisions
0.3 / −0.05 / 0.4, other operating expenses 0.2 / 0.5 / 0.7. Art 315 / 321 adjustments of 2025:
acquisition SC 1.5, disposal FC 0.5.

Losses (ET / BL level 1):

| id | ET | BL | lines (accounting date) | note |
|---|---|---|---|---|
| N1 | ET7 | BL3 | loss 25,000 (2026-02-10) | new, band 20k–100k |
| N2 | ET2 | BL3 | loss 150,000 (03-05); other recovery 30,000 received (05-20); insurance 20,000 receivable (06-01) | new, band 100k–1m |
| N3 | ET4 | BL1 | loss 1,500,000 (04-15); insurance 400,000 received (06-20) | new, band ≥ 1m |
| N4 | ET7 | BL4 | loss 12,000 (01-20) | below 20,000 |
| G1 | ET6 | BL5 | loss 60,000 (05-05) | group root |
| G2 | ET1 | BL9 | loss 400,000 CNY (05-10) at 0.125 = 50,000 EUR; the subsidiary's | linked to G1 |
| A1 | ET7 | BL4 | loss 90,000 (2025-11-30); provision 30,000 (2026-03-31) | adjusted +30,000 |
| A2 | ET3 | BL6 | provision 50,000 (2025-08-01); provision release 10,000 (2026-02-28) | adjusted −10,000 |
| X1 | ET4 | BL3 | loss 2,000,000 (2019-05-01) | excluded, NCA-2025-12 |
| X2 | ET7 | BL3 | loss 20,000 (2024-03-01) | excluded, NCA-2025-13 |
| W1 | ET2 | BL3 | loss 300,000 (2026-02-01) | withdrawn |
| H1 | ET7 | BL3 | loss 40,000 (2026-03-01) | gain: out |
| L1 | ET7 | BL3 | loss 70,000 (2026-07-15) | after the period |
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

GROUP, SUB = "Small Bank SA", "Small Leasing GmbH"
GROUP_LEI, SUB_LEI = "529900SMALLBANK00042", "529900SMALLLEASE0017"
M = Decimal(1_000_000)
YEARS = (2023, 2024, 2025)
GROUP_ITEMS = {
    "interest_income": (600, 640, 700),
    "interest_expense": (200, 220, 250),
    "interest_earning_assets": (20_000, 21_000, 22_000),
    "dividend_income": (10, 12, 14),
    "fee_income": (300, 320, 350),
    "fee_expense": (100, 110, 120),
    "other_operating_income": (50, 40, 60),
    "other_operating_expense": (80, 70, 90),
    "net_pnl_trading_book": (30, -20, 40),
    "net_pnl_banking_book": (10, 20, -10),
    "net_pnl_trading_book_prudential": (25, -15, 35),
    "ii_interest": (550, 586, 640),
    "ii_lease_income": (50, 54, 60),
    "ooe_operational_losses": ("0.5", "0.8", "1.1"),
    "opr_provisions": ("0.3", "-0.05", "0.4"),
    "opr_other_operating_expenses": ("0.2", "0.5", "0.7"),
}
SUB_ITEMS = {
    "interest_income": (120, 130, 150),
    "interest_expense": (40, 45, 50),
    "interest_earning_assets": (1_000, 1_100, 1_200),
}
ZERO_ITEMS = (
    "dividend_income",
    "fee_income",
    "fee_expense",
    "other_operating_income",
    "other_operating_expense",
    "net_pnl_trading_book",
    "net_pnl_banking_book",
)
ADJUSTMENTS = {"adjustment_acquisition_sc": "1.5", "adjustment_disposal_fc": "0.5"}


def financials() -> list[dict]:
    rows = []
    for i, y in enumerate(YEARS):
        for entity, items in ((GROUP, GROUP_ITEMS), (SUB, SUB_ITEMS)):
            rows += [
                {"legal_entity": entity, "year": y, "item": k, "amount": str(Decimal(v[i]) * M)}
                for k, v in items.items()
            ]
        rows += [{"legal_entity": SUB, "year": y, "item": k, "amount": "0"} for k in ZERO_ITEMS]
    rows += [
        {"legal_entity": GROUP, "year": 2025, "item": k, "amount": str(Decimal(v) * M)}
        for k, v in ADJUSTMENTS.items()
    ]
    return rows


def seed(db, actor: str = "ann") -> None:
    d = date

    def report(eid, et, bl, currency="EUR", entity=GROUP, lei=GROUP_LEI, **kw):
        fields = dict(
            title=f"Loss {eid}",
            event_type=et,
            business_line=bl,
            legal_entity=entity,
            lei=lei,
            org_unit="Operations",
            discovered_on=d(2019, 1, 1),
            occurred_on=d(2018, 12, 1),
            currency=currency,
        )
        db.report(eid, actor=actor, **{**fields, **kw})

    def loss(eid, amount, on, kind="loss", currency="EUR"):
        db.record_impact(
            eid, actor=actor, amount=amount, currency=currency, accounted_on=on, kind=kind
        )

    def recovery(eid, amount, on, kind="other", received=True):
        db.record_recovery(
            eid, actor=actor, amount=amount, currency="EUR", accounted_on=on, kind=kind,
            received=received,
        )  # fmt: skip

    db.record_fx_rate("CNY", d(2026, 5, 1), "0.125", actor=actor)
    db.record_financials(financials(), actor=actor)
    report("N1", "ET7.1", "BL31")
    loss("N1", "25000", d(2026, 2, 10))
    report("N2", "ET2.1", "BL31", title="Card fraud ring", description="ATM skimming")
    loss("N2", "150000", d(2026, 3, 5))
    recovery("N2", "30000", d(2026, 5, 20))
    recovery("N2", "20000", d(2026, 6, 1), kind="insurance", received=False)
    report("N3", "ET4.1", "BL11", title="Advisory mis-selling", occurred_on=d(2024, 9, 2),
           discovered_on=d(2026, 3, 1))  # fmt: skip
    loss("N3", "1500000", d(2026, 4, 15))
    recovery("N3", "400000", d(2026, 6, 20), kind="insurance")
    report("N4", "ET7.1", "BL41")
    loss("N4", "12000", d(2026, 1, 20))
    report("G1", "ET6.1", "BL51", title="Payment outage")
    loss("G1", "60000", d(2026, 5, 5))
    report("G2", "ET1.1", "BL9", currency="CNY", entity=SUB, lei=SUB_LEI, org_unit="Leasing")
    loss("G2", "400000", d(2026, 5, 10), currency="CNY")
    db.link("G2", "G1", actor=actor)
    report("A1", "ET7.1", "BL41")
    loss("A1", "90000", d(2025, 11, 30))
    loss("A1", "30000", d(2026, 3, 31), kind="provision")
    report("A2", "ET3.1", "BL61")
    loss("A2", "50000", d(2025, 8, 1), kind="provision")
    loss("A2", "10000", d(2026, 2, 28), kind="provision_release")
    for eid, amount, on, ref in (
        ("X1", "2000000", d(2019, 5, 1), "NCA-2025-12"),
        ("X2", "20000", d(2024, 3, 1), "NCA-2025-13"),
    ):
        report(eid, "ET4.1" if eid == "X1" else "ET7.1", "BL31")
        loss(eid, amount, on)
        db.exclude(eid, actor="sup", approval_reference=ref, approved_on=d(2025, 12, 15),
                   reason="competent authority permission")  # fmt: skip
        db.approve_request(eid, actor="reviewer")  # four eyes: the exclusion counts once approved
    report("W1", "ET2.1", "BL31")
    loss("W1", "300000", d(2026, 2, 1))
    db.withdraw("W1", actor=actor, reason="duplicate of N2")
    report("H1", "ET7.1", "BL31", gain=True)
    loss("H1", "40000", d(2026, 3, 1))
    report("L1", "ET7.1", "BL31")
    loss("L1", "70000", d(2026, 7, 15))
