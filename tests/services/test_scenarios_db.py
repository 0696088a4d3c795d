"""Scenarios and external losses in the store, on both databases: the consistency rules (each
named), revisions / approval / withdrawal as of a cut-off, four eyes, FX at the workshop date, and
external losses kept out of the loss component and C 17."""

from __future__ import annotations

import warnings
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from oprisk.errors import (
    DataQualityWarning,
    DomainError,
    FourEyesError,
    ScenarioNotFoundError,
    ScenarioRuleError,
    WorkflowError,
)

FORGED = {
    "event_type": "ET2",
    "business_line": "Retail Banking",  # a label: stored as its code
    "title": "Forged deposit certificates",
    "narrative": "A ring presents forged certificates of deposit as collateral.",
    "workshop_on": "2026-03-10",
    "owner": "li.wei",
    "participants": ["li.wei", "anna", "ops head"],
    "frequency": "2",
    "frequency_low": "1",
    "frequency_high": "4",
    "currency": "CNY",
    "severities": [
        {"label": "typical", "quantile": "0.5", "amount": "400000"},
        {"return_period": "10", "amount": "5000000"},
        {"return_period": "50", "amount": "20000000"},
        {"return_period": "100", "amount": "36000000"},
    ],
}


@pytest.mark.filterwarnings("ignore::oprisk.errors.DataQualityWarning")
def test_record_and_read_back_with_the_quantile_convention(db):
    db.record_scenario("SC-ET2-FORGED", actor="anna", **FORGED)
    s = db.scenarios()
    assert len(s) == 1
    row = s.iloc[0]
    assert (row.scenario_id, row.event_type, row.business_line) == ("SC-ET2-FORGED", "ET2", "BL3")
    assert row.participants == "li.wei; anna; ops head"
    assert (row.frequency, row.frequency_low, row.frequency_high) == (2.0, 1.0, 4.0)
    assert (row.status, row.revision, row.currency) == ("draft", 1, "CNY")
    assert s.workshop_on.dtype == "datetime64[ns]" and row.workshop_on == pd.Timestamp("2026-03-10")
    sev = db.scenario_severities()
    assert list(sev.label) == ["typical", "1-in-10", "1-in-50", "1-in-100"]
    # by hand, λ = 2: q = 1 − 1/(λT); the typical loss stated at q = 0.5 has T = 1/(λ(1 − q)) = 1
    assert sev["quantile"].tolist() == pytest.approx([0.5, 0.95, 0.99, 0.995], abs=1e-15)
    assert sev["return_period"].tolist() == pytest.approx([1.0, 10.0, 50.0, 100.0], abs=1e-12)
    assert list(sev.stated) == ["quantile", "return_period", "return_period", "return_period"]
    assert sev.amount.tolist() == [4e5, 5e6, 2e7, 3.6e7]


BAD = [
    ({"frequency": "-0.5"}, "frequency_positive", "'frequency'"),
    ({"frequency": "0"}, "frequency_positive", "'frequency'"),
    ({"frequency_low": "-1"}, "frequency_positive", "'frequency_low'"),
    ({"frequency_low": "3", "frequency_high": "1"}, "frequency_range", "frequency range"),
    ({"frequency_high": "1.5"}, "frequency_range", "frequency range"),
    ({"severities": {"10": "5000000", "100": "4000000"}}, "return_period_order", "1-in-100"),
    (
        {"severities": [{"quantile": "0.9", "amount": "9"}, {"quantile": "0.99", "amount": "8"}]},
        "severity_monotone",
        "'severities'",
    ),
    ({"severities": [{"quantile": "1.2", "amount": "9"}]}, "quantile_range", "quantile"),
    ({"severities": {"10": "-5"}}, "severity_positive", "amount"),
    ({"severities": {"0.4": "100"}}, "return_period_frequency", "return_period"),
    (
        {"severities": [{"return_period": "10", "quantile": "0.9", "amount": "1"}]},
        "severity_point_kind",
        "severities",
    ),
    ({"severities": []}, "severity_points", "severities"),
    ({"event_type": None, "business_line": None}, "unit_of_measure", "event_type"),
]


@pytest.mark.parametrize(("change", "rule", "named"), BAD)
def test_inconsistent_estimates_are_refused_with_the_rule_named(db, change, rule, named):
    with pytest.raises(ScenarioRuleError) as err:
        db.record_scenario("SC-BAD", actor="anna", **{**FORGED, **change})
    assert err.value.rule == rule
    assert f"[rule {rule}]" in str(err.value) and named in str(err.value)
    assert str(err.value).startswith("invalid value ")
    assert db.scenarios().empty and db.position() == 0  # nothing stored


def test_a_revision_is_checked_against_the_rules_too(db):
    db.record_scenario("SC-1", actor="anna", **FORGED)
    with pytest.raises(ScenarioRuleError, match=r"\[rule frequency_range\]"):
        db.record_scenario("SC-1", actor="anna", frequency="5")  # above frequency_high 4
    assert db.scenarios().iloc[0].revision == 1


@pytest.mark.filterwarnings("ignore::oprisk.errors.DataQualityWarning")
def test_revisions_approval_and_withdrawal_as_of(db):
    db.record_scenario("SC-1", actor="anna", **FORGED)
    p1 = db.position()
    db.approve_scenario("SC-1", actor="ben")
    p2 = db.position()
    revised = {**FORGED["severities"][1], "amount": "6000000"}  # the 1-in-10 loss revised
    db.record_scenario(
        "SC-1",
        actor="carl",
        reason="new loss data",
        severities=[*FORGED["severities"][:1], revised, *FORGED["severities"][2:]],
    )
    p3 = db.position()
    db.withdraw_scenario("SC-1", actor="dora", reason="merged into SC-2")
    p4 = db.position()

    at = {p: db.scenarios(as_of=p) for p in (p1, p2, p3)}
    assert [(at[p].iloc[0].revision, at[p].iloc[0].status) for p in (p1, p2, p3)] == [
        (1, "draft"), (1, "approved"), (2, "draft"),
    ]  # fmt: skip
    assert at[p2].iloc[0].approved_by == "ben" and pd.isna(at[p3].iloc[0].approved_by)
    assert at[p3].iloc[0].reason == "new loss data"
    one_in_ten = lambda p: db.scenario_severities(as_of=p).set_index("label").amount["1-in-10"]  # noqa: E731
    assert (one_in_ten(p2), one_in_ten(p3)) == (5e6, 6e6)
    assert db.scenarios(as_of=p4).empty and db.scenario_severities(as_of=p4).empty
    gone = db.scenarios(include_withdrawn=True)
    assert (gone.iloc[0].status, gone.iloc[0].revision) == ("withdrawn", 2)

    h = db.scenario_history("SC-1")
    assert list(h.fact) == ["scenario.recorded", "scenario.approved", "scenario.recorded", "scenario.withdrawn"]  # fmt: skip
    assert list(h.status) == ["draft", "approved", "draft", "withdrawn"]
    assert list(h.actor) == ["anna", "ben", "carl", "dora"]
    assert list(h.position) == [p1, p2, p3, p4]
    assert len(db.scenario_history("SC-1", as_of=p2)) == 2

    with pytest.raises(WorkflowError, match="withdrawn"):
        db.record_scenario("SC-1", actor="anna", frequency="3")


def test_four_eyes_the_author_of_the_revision_cannot_approve_it(db):
    db.record_scenario("SC-1", actor="anna", **FORGED)
    with pytest.raises(FourEyesError, match="four eyes"):
        db.approve_scenario("SC-1", actor="ＡＮＮＡ")  # the same person, full width and upper case
    db.record_scenario("SC-1", actor="ben", frequency="3")  # ben authored revision 2
    with pytest.raises(FourEyesError):
        db.approve_scenario("SC-1", actor="ben")
    db.approve_scenario("SC-1", actor="anna")  # anna did not author revision 2
    with pytest.raises(WorkflowError, match="only a draft"):
        db.approve_scenario("SC-1", actor="carl")
    assert db.scenarios().iloc[0].status == "approved"
    with pytest.raises(ScenarioNotFoundError):
        db.approve_scenario("SC-NONE", actor="carl")


def test_the_same_content_again_records_nothing(db):
    assert len(db.record_scenario("SC-1", actor="anna", **FORGED)) == 1
    assert db.record_scenario("SC-1", actor="anna", **FORGED) == []
    assert db.record_scenario("SC-1", actor="ben", frequency="2.0") == []  # 2.0 == 2
    assert db.scenarios().iloc[0].revision == 1


def test_reporting_amounts_at_the_workshop_date(db):
    db.record_scenario("SC-1", actor="anna", **FORGED)
    db.record_scenario("SC-EUR", actor="anna", **{**FORGED, "currency": "EUR"})
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        sev = db.scenario_severities()
    assert any(
        issubclass(w.category, DataQualityWarning) and "SC-1 (CNY)" in str(w.message) for w in seen
    )
    assert sev[sev.scenario_id == "SC-1"].amount_reporting.isna().all()
    assert (
        sev[sev.scenario_id == "SC-EUR"].amount_reporting == sev[sev.scenario_id == "SC-EUR"].amount
    ).all()
    db.record_fx_rate("CNY", date(2026, 3, 1), "0.125", actor="fx")  # before the workshop: used
    db.record_fx_rate("CNY", date(2026, 3, 11), "0.5", actor="fx")  # after it: not used
    sev = db.scenario_severities().query("scenario_id == 'SC-1'")
    assert sev.amount_reporting.tolist() == [5e4, 625e3, 2.5e6, 4.5e6]  # × 0.125 by hand


# --- external losses ----------------------------------------------------------------------------

EXT = {
    "external_id": "X-1",
    "source": "ORX",
    "occurred_on": "2024-05-02",
    "event_type": "ET2.1",  # level 2: stored under ET2
    "business_line": "BL3",
    "amount": "250000",
    "currency": "USD",
    "size_indicator": "3000000000",
    "threshold": "20000",
    "reference_currency": "EUR",
}


def test_external_losses_stored_converted_and_revised(db):
    db.record_fx_rate("USD", date(2024, 1, 1), "0.9", actor="fx")
    assert len(db.record_external_loss(actor="loader", **EXT)) == 1
    assert db.record_external_loss(actor="loader", **EXT) == []  # the same again: nothing
    p1 = db.position()
    db.record_external_loss(actor="loader", **{**EXT, "amount": "260000"})  # the source revised it
    x = db.external_losses()
    assert len(x) == 1
    r = x.iloc[0]
    assert (r.event_type, r.event_type_l2, r.business_line) == ("ET2", "ET2.1", "BL3")
    assert (r.amount, r.amount_reporting, r.revision) == (260000.0, 234000.0, 2)
    assert (r.size_indicator, r.threshold) == (3e9, 2e4)  # already EUR
    assert db.external_losses(as_of=p1).iloc[0].amount == 250000.0
    assert x.occurred_on.dtype == "datetime64[ns]"
    # a size indicator stated in USD is converted at the occurrence date
    db.record_external_loss(
        actor="loader", **{**EXT, "external_id": "X-2", "reference_currency": "USD"}
    )
    r2 = db.external_losses().set_index("external_id").loc["X-2"]
    assert (r2.size_indicator, r2.threshold, r2.size_indicator_stated) == (2.7e9, 18000.0, 3e9)


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"amount": "-5"}, "amount_positive"),
        ({"amount": "15000", "currency": "EUR"}, "amount_above_threshold"),
        ({"size_indicator": "0"}, "size_indicator_positive"),
        ({"threshold": "-1"}, "threshold_non_negative"),
    ],
)
def test_bad_external_losses_are_refused_with_the_rule_named(db, change, rule):
    with pytest.raises(ScenarioRuleError, match=rf"\[rule {rule}\]"):
        db.record_external_loss(actor="loader", **{**EXT, **change})
    assert db.external_losses().empty


def _bank(db) -> None:
    """Three internal losses in EUR: 100,000 (2023), 300,000 and 50,000 (2024)."""
    for eid, et, bl, amount, on in [
        ("I-1", "ET2", "BL3", "100000", date(2023, 3, 1)),
        ("I-2", "ET7", "BL3", "300000", date(2024, 6, 1)),
        ("I-3", "ET2", "BL2", "50000", date(2024, 9, 1)),
    ]:
        db.report(eid, actor="ann", title=eid, event_type=et, business_line=bl,
                  discovered_on=on, currency="EUR")  # fmt: skip
        db.record_impact(
            eid, actor="ann", kind="loss", amount=amount, currency="EUR", accounted_on=on
        )


def test_external_losses_change_neither_the_loss_component_nor_c17(db):
    _bank(db)
    lc = db.capital.loss_component(2024, years_of_data=2, allow_any_threshold=True)
    c17 = db.reports.c17_01("2024")
    losses = db.losses()
    for i in range(40):  # large external losses in the same cells and years
        db.record_external_loss(actor="loader", **{
            **EXT, "external_id": f"X-{i}", "amount": str(1_000_000 + i), "currency": "EUR",
            "occurred_on": f"{2023 + i % 2}-04-01",
        })  # fmt: skip
    assert len(db.external_losses()) == 40
    lc_after = db.capital.loss_component(2024, years_of_data=2, allow_any_threshold=True)
    assert lc_after.result.lc == lc.result.lc
    # by hand: 15 × mean annual net loss over 2023-2024 = 15 × (100,000 + 350,000) / 2
    assert lc.result.lc == Decimal("3375000")
    pd.testing.assert_frame_equal(db.reports.c17_01("2024"), c17)
    pd.testing.assert_frame_equal(db.losses(), losses)
    # the check could fail: the same loss recorded as an internal one moves both
    db.report("I-4", actor="ann", title="I-4", event_type="ET2", business_line="BL3",
              discovered_on=date(2024, 4, 1), currency="EUR")  # fmt: skip
    db.record_impact("I-4", actor="ann", kind="loss", amount="1000000", currency="EUR",
                     accounted_on=date(2024, 4, 1))  # fmt: skip
    moved = db.capital.loss_component(2024, years_of_data=2, allow_any_threshold=True)
    assert moved.result.lc == Decimal("10875000")  # 15 × 1,450,000 / 2
    assert not db.reports.c17_01("2024").equals(c17)


def test_a_stream_of_another_kind_is_never_written_into(db):
    db.report("scenario-SC-1", actor="ann", title="t", event_type="ET7", business_line="BL3",
              discovered_on=date(2025, 1, 2), currency="EUR")  # fmt: skip
    before = db.position()
    with pytest.raises(DomainError, match="already holds loss_event facts"):
        db.record_scenario("SC-1", actor="anna", **FORGED)
    db.report("external_loss-ORX-X-1", actor="ann", title="t", event_type="ET7",
              business_line="BL3", discovered_on=date(2025, 1, 2), currency="EUR")  # fmt: skip
    with pytest.raises(DomainError, match="already holds loss_event facts"):
        db.record_external_loss(actor="loader", **EXT)
    assert db.position() == before + 1 and db.scenarios().empty and db.external_losses().empty


@pytest.mark.filterwarnings("ignore::oprisk.errors.DataQualityWarning")
def test_approved_only_keeps_the_approved_revision_while_a_draft_is_reviewed(db):
    db.record_scenario("SC-1", actor="anna", **FORGED)
    db.record_scenario("SC-2", actor="anna", **{**FORGED, "event_type": "ET7"})  # never approved
    db.approve_scenario("SC-1", actor="ben")
    db.record_scenario("SC-1", actor="carl", frequency="3")  # revision 2, a draft
    latest = db.scenarios().set_index("scenario_id")
    assert (latest.loc["SC-1", "revision"], latest.loc["SC-1", "frequency"]) == (2, 3.0)
    approved = db.scenarios(approved_only=True)
    assert list(approved.scenario_id) == ["SC-1"]
    assert (approved.iloc[0].revision, approved.iloc[0].frequency, approved.iloc[0].status) == (
        1, 2.0, "approved",
    )  # fmt: skip
    assert approved.iloc[0].approved_by == "ben"
    sev = db.scenario_severities(approved_only=True)
    assert set(sev.revision) == {1}  # λ = 2 of revision 1: 1-in-10 → q = 0.95
    assert sev.set_index("label")["quantile"]["1-in-10"] == pytest.approx(0.95, abs=1e-15)
    db.approve_scenario("SC-1", actor="anna")
    assert db.scenarios(approved_only=True).iloc[0].revision == 2
    db.withdraw_scenario("SC-1", actor="dora", reason="obsolete")
    assert db.scenarios(approved_only=True).empty
    gone = db.scenarios(approved_only=True, include_withdrawn=True)
    assert (gone.iloc[0].status, gone.iloc[0].revision) == ("withdrawn", 2)
