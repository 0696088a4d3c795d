"""``db.capital`` on both databases: inputs gathered as of a knowledge cut-off, reconciled to the
worked examples of basel-oprisk.md §2.3, §3.3 and §4.7 (recorded in whole EUR, shown in EUR m)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from oprisk.domain import commands as c
from oprisk.errors import ConfigurationError, DataQualityWarning, MissingInputError
from oprisk.services.capital import CapitalRun

D = Decimal
M = D("1e6")
YEARS = [2022, 2023, 2024]
TSA_GI = {  # reference §3.3, EUR m, Y1..Y3
    "BL1": [50, 40, -30],
    "BL2": [200, -300, 150],
    "BL3": [600, 550, -700],
    "BL4": [300, 280, -200],
    "BL5": [80, 70, 60],
    "BL6": [40, 35, 30],
    "BL7": [60, -20, 50],
    "BL8": [70, 65, -100],
}
BI = {  # reference §4.7, EUR m, t-2..t
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
ANNUAL_M = {
    2015: 18,
    2016: 25,
    2017: 12,
    2018: 40,
    2019: 22,
    2020: 15,
    2021: 30,
    2022: 19,
    2023: 27,
    2024: 21,
}
SEEDED = datetime(2026, 2, 1, 9, tzinfo=UTC)
T = datetime(2026, 2, 15, tzinfo=UTC)
LATE = datetime(2026, 3, 2, 9, tzinfo=UTC)
ENTITY = "Bank AG"


def eur(m: float | int) -> str:
    return str(D(str(m)) * M)


def financial_rows(
    entity: str = ENTITY,
    years: list[int] = YEARS,
    bi: bool = True,
    gi: bool = True,
    la: bool = True,
) -> list[dict]:
    rows = []
    for i, y in enumerate(years):
        if gi:
            rows += [
                {
                    "legal_entity": entity,
                    "year": y,
                    "item": "gross_income",
                    "business_line": bl,
                    "amount": eur(v[i]),
                }
                for bl, v in TSA_GI.items()
            ]
        if bi:
            rows += [
                {"legal_entity": entity, "year": y, "item": item, "amount": eur(v[i])}
                for item, v in BI.items()
            ]
        if la:
            rows += [
                {
                    "legal_entity": entity,
                    "year": y,
                    "item": "loans_and_advances",
                    "business_line": bl,
                    "amount": eur(v),
                }
                for bl, v in (("BL3", 10000), ("BL4", 8000))
            ]
    return rows


def report(eid: str, *, currency: str = "EUR", **kw) -> c.ReportLossEvent:
    fields = dict(
        title=f"loss {eid}",
        event_type="ET7.1",
        business_line="BL3",
        legal_entity=ENTITY,
        discovered_on=date(2014, 1, 2),
        currency=currency,
    )
    fields.update(kw)
    return c.ReportLossEvent(event_id=eid, actor="ann", **fields)


def impact(
    eid: str, amount: str, on: date, kind: str = "loss", currency: str = "EUR"
) -> c.RecordImpact:
    return c.RecordImpact(
        event_id=eid, actor="ann", amount=amount, currency=currency, accounted_on=on, kind=kind
    )


def seed_losses(db) -> None:
    """Annual net losses 18, 25, 12, 40, 22, 15, 30, 19, 27, 21 (EUR m) for 2015..2024, built
    from events that exercise every rule."""
    cmds: list[c.Command] = [
        report("A2015"),
        impact("A2015", "18000000", date(2015, 3, 31)),
        # a received recovery counts, a receivable does not
        report("A2016"),
        impact("A2016", "26000000", date(2016, 5, 10)),
        c.RecordRecovery(
            event_id="A2016",
            actor="ann",
            amount="1000000",
            currency="EUR",
            accounted_on=date(2016, 11, 30),
            kind="insurance",
        ),
        report("A2017"),
        impact("A2017", "12000000", date(2017, 2, 1)),
        c.RecordRecovery(
            event_id="A2017",
            actor="ann",
            amount="2000000",
            currency="EUR",
            accounted_on=date(2017, 12, 1),
            received=False,
        ),
        # a grouped loss: reported once under its root
        report("G"),
        impact("G", "30000000", date(2018, 6, 30)),
        report("G1"),
        impact("G1", "10000000", date(2018, 9, 30)),
        c.LinkLossEvent(event_id="G1", actor="ann", root_event_id="G"),
        # 2019: two 12,000 members of one group count (24,000 ≥ 20,000); a lone 15,000 does not
        report("A2019"),
        impact("A2019", "21976000", date(2019, 4, 1)),
        report("S"),
        impact("S", "12000", date(2019, 5, 1)),
        report("S1"),
        impact("S1", "12000", date(2019, 6, 1)),
        c.LinkLossEvent(event_id="S1", actor="ann", root_event_id="S"),
        report("B"),
        impact("B", "15000", date(2019, 7, 1)),
        # credit-boundary losses are out, also a member under a flagged root that has no lines
        report("A2020"),
        impact("A2020", "15000000", date(2020, 1, 15)),
        report("CB", credit_boundary=True),
        impact("CB", "50000000", date(2020, 8, 1)),
        report("CBR", credit_boundary=True),
        report("CBC"),
        impact("CBC", "4000000", date(2020, 9, 1)),
        c.LinkLossEvent(event_id="CBC", actor="ann", root_event_id="CBR"),
        # an approved supervisory exclusion
        report("A2021"),
        impact("A2021", "30000000", date(2021, 6, 1)),
        report("X"),
        impact("X", "70000000", date(2021, 3, 1)),
        c.ExcludeLossEvent(
            event_id="X",
            actor="sup",
            approval_reference="ECB/2025/017",
            approved_on=date(2025, 6, 1),
            reason="divested business",
        ),
        c.ApproveRequest(event_id="X", actor="reviewer"),  # four eyes: effective once approved
        # USD 10m at 0.90 = EUR 9m
        report("A2022"),
        impact("A2022", "10000000", date(2022, 2, 1)),
        report("U", currency="USD"),
        impact("U", "10000000", date(2022, 6, 30), currency="USD"),
        # provision and a partial release; a withdrawn duplicate; a gain
        report("A2023"),
        impact("A2023", "30000000", date(2023, 3, 31), kind="provision"),
        impact("A2023", "3000000", date(2023, 12, 15), kind="provision_release"),
        report("W"),
        impact("W", "3000000", date(2023, 5, 5)),
        c.WithdrawLossEvent(event_id="W", actor="ann", reason="duplicate of A2023"),
        report("GN", gain=True),
        impact("GN", "5000000", date(2023, 7, 7)),
        report("A2024"),
        impact("A2024", "21000000", date(2024, 2, 29)),
        impact("A2024", "5000000", date(2025, 1, 15)),  # accounted after the year: not counted
        report("OLD"),
        impact("OLD", "99000000", date(2014, 12, 31)),  # before the window
    ]
    db.execute(cmds)
    db.record_fx_rate("USD", date(2022, 6, 30), "0.90", actor="treasury")


@pytest.fixture
def seeded(db, clock):
    clock.jump(SEEDED)
    db.record_financials(financial_rows(), actor="finance")
    seed_losses(db)
    return db


def test_sa_end_to_end_reconciles_and_is_reproducible_as_of(seeded, clock):
    db = seeded
    run = db.capital.sa(2024, as_of=T, profile="basel", threshold=20000, bi_unit=M)
    assert isinstance(run, CapitalRun)
    r = run.result
    lc = r.loss_component
    assert [a.net_loss for a in lc.annual_losses] == [D(v) * M for v in ANNUAL_M.values()]
    assert (lc.lc, r.lc, r.bi, r.bic.bic) == (D("343500000"), D("343.5"), D("2145"), D("291.75"))
    summary = r.summary().value
    assert summary["ILM applied"] == D("1.050063")
    assert summary["ORC (EUR × 1000000)"] == D("306.36")
    assert summary["RWA (EUR × 1000000)"] == D("3829.45")
    assert run.orc == r.orc  # attributes of the result are reachable on the run
    # the knowledge cut-off and the profile are carried
    pos, time = db.cutoff(T)
    assert (run.cutoff_position, run.cutoff_time, run.profile.name) == (pos, time, "basel")
    assert run.withdrawn_events == ("W",)
    events = {(e.group_id, e.status): e for e in lc.events}
    assert events["X", "excluded"].exclusion_reference == "ECB/2025/017"
    assert events["CB", "credit-boundary"].aggregated_net_loss == D(50000000)
    assert events["CBR", "credit-boundary"].event_ids == ("CBC",)  # the root's flag, no root lines
    assert events["GN", "gain"].event_ids == ("GN",)
    assert events["G", "included"].event_ids == ("G", "G1")
    assert events["S", "included"].aggregated_net_loss == D(24000)
    assert events["B", "below-threshold"].aggregated_net_loss == D(15000)
    assert "W" not in {e for line in lc.events for e in line.event_ids}
    before = run.to_dict()
    json.dumps(before)  # JSON-ready

    # facts learned after T: a late loss accounted in 2023 and a recovery received in 2024
    clock.jump(LATE)
    db.execute(
        [
            report("LATE", discovered_on=date(2025, 12, 1)),
            impact("LATE", "1234567.89", date(2023, 11, 30)),
            c.RecordRecovery(
                event_id="A2016",
                actor="ann",
                amount="250000.50",
                currency="EUR",
                accounted_on=date(2024, 3, 31),
            ),
        ]
    )
    again = db.capital.sa(2024, as_of=T, profile="basel", threshold=20000, bi_unit=M)
    assert again.to_dict() == before

    now = db.capital.sa(2024, profile="basel", threshold=20000, bi_unit=M)
    assert now.cutoff_position == db.position() > run.cutoff_position
    new, old = now.result.loss_component, lc
    diff = {
        a.year: a.net_loss - b.net_loss
        for a, b in zip(new.annual_losses, old.annual_losses, strict=True)
    }
    assert diff == {**dict.fromkeys(ANNUAL_M, D(0)), 2023: D("1234567.89"), 2024: D("-250000.50")}
    assert new.total_loss - old.total_loss == D("984567.39")
    assert new.lc - old.lc == D("1476851.085")  # 15 × 984,567.39 / 10, to the cent and beyond
    assert now.result.lc - r.lc == D("1.476851085")  # in EUR m
    assert now.result.ilm > r.ilm


def test_profiles_and_loss_data_audit(seeded):
    db = seeded
    crr3 = db.capital.sa(2024, as_of=T, profile="eu-crr3", threshold=20000, bi_unit=M)
    assert (crr3.result.orc, crr3.result.ilm_rule) == (D("291.75"), "profile")
    assert crr3.summary().value["RWA (EUR × 1000000)"] == D("3646.88")
    assert crr3.to_dict()["profile"]["ilm_fixed_at_one"] is True

    data = db.capital.loss_data(2024, as_of=T)
    assert data.attrs["withdrawn_events"] == ("W",)
    rows = data.set_index(["event_id", "accounting_year"])
    assert rows.loc[("A2016", 2016), "net_loss"] == D(25000000)  # received recovery netted
    assert rows.loc[("A2017", 2017), "net_loss"] == D(12000000)  # receivable not counted
    assert rows.loc[("U", 2022), "net_loss"] == D(9000000)  # USD 10m × 0.90
    assert rows.loc[("A2023", 2023), ["net_loss", "lines"]].tolist() == [D(27000000), 2]
    assert rows.loc[("G1", 2018), "root_event_id"] == "G"
    assert bool(rows.loc[("CBC", 2020), "credit_boundary"])  # flag of the root applied
    assert rows.loc[("X", 2021), "exclusion_reference"] == "ECB/2025/017"
    assert bool(rows.loc[("GN", 2023), "gain"])
    assert {"W", "OLD"}.isdisjoint(data.event_id) and data.accounting_year.max() == 2024
    assert (data.currency == "EUR").all()

    lc = db.capital.loss_component(2024, as_of=T, threshold=100000)
    assert lc.result.lc == D("343500000") - D("1.5") * 24000  # the 24,000 group drops out
    assert lc.summary().value["knowledge cut-off position"] == db.cutoff(T)[0]


def test_bia_tsa_asa_from_recorded_financials(db):
    db.record_financials(financial_rows(), actor="finance")
    tsa = db.capital.tsa(2024)
    assert tsa.result.capital == D("94.15") * M
    assert [y.charge for y in tsa.result.year_charges] == [D("198") * M, D("84.45") * M, D(0)]
    asa = db.capital.asa(2024)
    assert [li.charge for li in asa.result.loans_indicators] == [D(42) * M, D(42) * M]
    # BIA: without an entity total the lines are summed (1,400 / 720 / −740 → 159.0)
    bia = db.capital.bia(2024)
    assert bia.result.capital == D(159) * M
    assert bia.notes == (
        "gross income 2022, 2023, 2024: sum of the business lines (no entity total recorded)",
    )
    # the entity's own total is preferred (§2.3: 1,000 / −50 / 1,200 → 165.0)
    db.record_financials(
        [
            {"legal_entity": "Bank SE", "year": y, "item": "gross_income", "amount": eur(v)}
            for y, v in zip(YEARS, [1000, -50, 1200], strict=True)
        ],
        actor="finance",
    )
    se = db.capital.bia(2024, legal_entity="Bank SE")
    assert (se.result.capital, se.result.rwa, se.legal_entity) == (
        D(165) * M,
        D("2062.5") * M,
        "Bank SE",
    )
    with pytest.raises(ConfigurationError, match=r"several legal entities.*Bank AG.*Bank SE"):
        db.capital.bia(2024)
    db.record_financials(
        {
            "legal_entity": "Bank SE",
            "year": 2024,
            "item": "gross_income",
            "business_line": "BL3",
            "amount": "1",
        },
        actor="finance",
    )
    with pytest.warns(DataQualityWarning, match="entity total"):
        assert db.capital.bia(2024, legal_entity="Bank SE").result.capital == D(165) * M


def test_financials_as_of_a_cutoff(db, clock):
    clock.jump(SEEDED)
    db.record_financials(financial_rows(bi=False, la=False), actor="finance")
    clock.jump(LATE)
    db.record_financials(
        {
            "legal_entity": ENTITY,
            "year": 2022,
            "item": "gross_income",
            "business_line": "BL5",
            "amount": eur(180),
        },
        actor="finance",
    )  # was 80
    assert db.capital.tsa(2024, as_of=T).result.capital == D("94.15") * M
    assert db.capital.tsa(2024).result.capital == D("100.15") * M  # + 0.18 × 100 / 3


def test_missing_inputs_give_clear_errors(db):
    db.record_financials(financial_rows(years=[2023, 2024], bi=False), actor="finance")
    with pytest.raises(
        MissingInputError, match=r"'Bank AG', year 2024.*needs 3 years.*got 2 \(2023, 2024\)"
    ):
        db.capital.tsa(2024)
    with pytest.raises(MissingInputError, match="needs 3 years"):
        db.capital.bia(2024)
    with pytest.raises(MissingInputError, match="no gross income recorded for 2027–2029"):
        db.capital.bia(2029)
    with pytest.raises(MissingInputError, match="no Business Indicator items recorded"):
        db.capital.sa(2024, profile="basel", threshold=20000)
    db.record_financials(financial_rows(years=[2022, 2024], gi=False, la=False), actor="finance")
    with pytest.raises(MissingInputError, match="no BI items for year 2023"):
        db.capital.sa(2024, profile="basel", threshold=20000)


def test_missing_fx_rate_names_currency_and_date(db):
    db.record_financials(financial_rows(gi=False, la=False), actor="finance")
    db.execute(
        [report("U", currency="USD"), impact("U", "500000", date(2022, 6, 30), currency="USD")]
    )
    with pytest.raises(
        MissingInputError, match=r"no FX rate .*USD→EUR on or before 2022-06-30 \(event U\)"
    ):
        db.capital.sa(2024, profile="basel", threshold=20000)
    db.record_fx_rate("USD", date(2022, 6, 1), "0.8", actor="fx")
    run = db.capital.sa(2024, profile="basel", threshold=20000)
    assert run.result.loss_component.total_loss == D(400000)


def test_summary_and_html_carry_the_cutoff(seeded):
    run = seeded.capital.sa(2024, as_of="2026-02-15", profile="uk-pra", threshold=100000, bi_unit=M)
    s = run.summary()
    assert (
        s.value["profile"] == "uk-pra"
        and s.value["knowledge cut-off time"] == run.cutoff_time.isoformat()
    )
    assert run.to_dict()["knowledge_cutoff"]["as_of"] == "2026-02-15"
    assert "knowledge cut-off position" in run._repr_html_()


def test_a_run_prints_in_one_short_line(seeded):
    """The repr names the approach, the cut-off and the headline figures; the long content
    (every intermediate figure, the loss events) stays behind summary() and to_dict()."""
    run = seeded.capital.sa(2024, as_of="2026-02-15", profile="basel", threshold=20000, bi_unit=M)
    text = repr(run)
    assert len(text) < 1000 and "\n" not in text
    assert text.startswith("<CapitalRun SA 2024") and f"position {run.cutoff_position}" in text
    assert f"ORC {run.orc.quantize(Decimal('0.01')):,}" in text  # the figure itself, rounded
    assert "in EUR × 1,000,000" in text
    bia = seeded.capital.bia(2024)
    assert f"capital {bia.capital.quantize(Decimal('0.01')):,}" in repr(bia)
    assert len(repr(bia.result)) < 300


def test_a_run_draws_how_its_figure_is_built(seeded):
    pytest.importorskip("matplotlib")
    run = seeded.capital.sa(2024, as_of="2026-02-15", profile="basel", threshold=20000, bi_unit=M)
    fig = run.plot()
    inputs, capital = fig.axes
    assert fig._suptitle.get_text().startswith("SA 2024")
    assert f"position {run.cutoff_position:,}" in fig._suptitle.get_text()
    assert inputs.get_ylabel() == capital.get_ylabel()  # one unit for the whole figure
    heights = [p.get_height() for p in capital.patches]
    scale = 1e9 if capital.get_ylabel().endswith("bn") else 1e6
    assert heights[0] == pytest.approx(float(run.bic.bic * M) / scale)  # BIC, ILM step, ORC
    assert heights[0] + heights[1] == pytest.approx(float(run.orc * M) / scale)
    bia = seeded.capital.bia(2024).plot()
    assert "BIA 2024" in bia.axes[0].get_title()
