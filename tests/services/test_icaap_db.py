"""The ICAAP run from the store on both databases: the inputs reach the model, the stages are the
pure methods' results, and the same cut-off and seed reproduce the same figures."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import pytest

from oprisk.assess import assess, load_template
from oprisk.capital.icaap import beicf_factor, fit_pooled, gamma_prior, scale_losses
from oprisk.domain import commands as c
from oprisk.errors import InsufficientDataError, MissingInputError

KW = dict(sims=20_000, seed=3, threshold=10_000, year=2025, bank_size=5e9, dependence="gaussian")


def _losses(db, rng, prefix=""):
    cmds = []
    for bl, et, (mu, s), n in (
        ("BL3", "ET7", (10.0, 1.2), 120),
        ("BL3", "ET2", (10.5, 1.0), 40),
        ("BL4", "ET7", (10.0, 1.2), 4),
    ):
        x = np.exp(rng.normal(mu, s, n * 5))
        x = x[x >= 10_000][:n]
        for i, amount in enumerate(x):
            eid = f"{prefix}{bl}-{et}-{i}"
            day = date(2016, 1, 1) + timedelta(days=int(rng.integers(0, 3650)))
            cmds += [
                c.ReportLossEvent(event_id=eid, actor="t", title="t", event_type=et, business_line=bl,
                                  occurred_on=day, discovered_on=day, currency="EUR"),
                c.RecordImpact(event_id=eid, actor="t", amount=f"{amount:.2f}", currency="EUR", accounted_on=day),
            ]  # fmt: skip
    db.execute(cmds)


def _external(db, rng, n=40, start=0):
    for i in range(start, start + n):
        size = float(np.exp(rng.uniform(21, 25)))
        amount = 0.0
        while amount < 1e5:  # the consortium reports losses ≥ its threshold: left truncation
            amount = 5e4 * np.exp(rng.normal(0, 1.3)) * (size / 1e10) ** 0.2
        db.record_external_loss(
            actor="t", external_id=f"X{i}", source="consortium", occurred_on="2020-05-01",
            event_type="ET7", business_line=None, amount=f"{amount:.2f}", currency="EUR",
            size_indicator=f"{size:.2f}", threshold="100000",
        )  # fmt: skip


SCENARIO = {
    "event_type": "ET7", "business_line": "BL3", "title": "Settlement failure", "narrative": "n",
    "workshop_on": "2025-10-01", "owner": "o", "participants": ["o", "p"], "frequency": "14",
    "frequency_low": "8", "frequency_high": "22", "currency": "EUR",
    "severities": {"10": "1500000", "50": "6000000", "200": "20000000"},
}  # fmt: skip


def _assessment(unit: str, factor: float = 1.0):
    t = assess(load_template("supervision"), assessor="ic")
    raw = t.judgements.scores.iloc[[0]].rename(index=lambda _: unit) * factor
    return assess(dataclasses.replace(t.judgements, scores=raw))


@pytest.mark.filterwarnings("ignore::oprisk.errors.DataQualityWarning")
def test_icaap_from_the_store_and_as_of(db):
    rng = np.random.default_rng(11)
    _losses(db, rng)
    _external(db, rng)
    db.record_scenario("SC-ET7-BL3", actor="anna", **SCENARIO)
    db.approve_scenario("SC-ET7-BL3", actor="ben")
    db.record_scenario(
        "SC-DRAFT", actor="anna", **{**SCENARIO, "business_line": "BL4"}
    )  # not approved
    a = _assessment("BL3")
    db.record_assessment(a, unit="BL3", actor="ic", assessed_on="2025-06-30")

    run = db.capital.icaap(**KW)
    text = repr(run)  # one line: what it is and its headline figures
    assert text.startswith("<IcaapResult 3 units, gaussian, 20,000 years as known at position")
    assert f"ILD {run.total['var'].iloc[0]:,.0f}" in text and len(text) < 300
    t = run.summary().set_index("stage")
    assert list(t.index) == ["ild", "external", "scenarios", "beicf"]
    assert run.inputs["scenarios"] == ["SC-ET7-BL3"] and any(
        "no approved revision" in n for n in run.notes
    )
    models = {m.name: m for m in run.models}
    assert set(models) == {"BL3×ET7", "BL3×ET2", "BL4×ET7"}  # BL4×ET7: 4 losses, ET7's pool
    # frequency: (a + N)/(b + T) with the scenario's prior (closed form, computed here)
    n = int(db.losses().query("event_type_l1 == 'ET7' and business_line_l1 == 'BL3'").shape[0])
    pa, pb = gamma_prior(14.0, 8.0, 22.0)
    assert models["BL3×ET7"].stages["scenarios"][0].mean == pytest.approx(
        (pa + n) / (pb + 10), rel=1e-12
    )
    # external stage: the pooled fit of the internal and the scaled external losses
    ext = db.external_losses()
    x, h = scale_losses(
        ext.amount_reporting, ext.threshold, ext.size_indicator, 5e9, run.inputs["scaling"]["alpha"]
    )
    own = (
        db.losses()
        .query("event_type_l1 == 'ET7' and business_line_l1 == 'BL3'")
        .gross_loss_reporting.to_numpy(float)
    )
    ref = fit_pooled(np.r_[own, x], np.r_[np.full(own.size, 1e4), h], bank_threshold=1e4)
    assert models["BL3×ET7"].stages["external"][1].params["mu"] == pytest.approx(
        ref.params["mu"], rel=1e-9
    )
    # BEICF: BL3's composite scales the severity of BL3's units; BL4 has none: factor 1
    k = beicf_factor(float(a.composite["BL3"]))
    u = run.units.set_index(["unit", "stage"])
    sev_b, sev_s = models["BL3×ET2"].stages["beicf"][1], models["BL3×ET2"].stages["scenarios"][1]
    assert sev_b.mean() == pytest.approx(k * sev_s.mean(), rel=1e-12)
    assert u.loc[("BL4×ET7", "beicf"), "var"] == u.loc[("BL4×ET7", "scenarios"), "var"]
    assert any("without a control assessment" in n for n in run.notes)

    # later facts of every kind leave the run at the earlier cut-off unchanged
    cut = db.position()
    _losses(db, np.random.default_rng(12), prefix="late-")
    _external(db, rng, 10, start=100)
    db.approve_scenario("SC-DRAFT", actor="ben")
    db.record_assessment(_assessment("BL4", 0.5), unit="BL4", actor="ic", assessed_on="2025-12-31")
    again = db.capital.icaap(as_of=cut, **KW)
    assert again.to_dict() == run.to_dict()
    assert again.cutoff_position == cut
    db.record_scenario(
        "SC-ET7-BL3", actor="anna", frequency="30", frequency_high="40"
    )  # a draft revision
    now = db.capital.icaap(**KW)
    # the approved revision stays in use while the draft is reviewed
    assert {m.name: m for m in now.models}["BL3×ET7"].credibility.prior_mean == pytest.approx(14.0)
    assert now.to_dict()["attribution"] != run.to_dict()["attribution"]
    assert now.inputs["scenarios"] == ["SC-DRAFT", "SC-ET7-BL3"]


@pytest.mark.filterwarnings("ignore::oprisk.errors.DataQualityWarning")
def test_external_losses_need_the_banks_size_and_scenarios_an_fx_rate(db):
    rng = np.random.default_rng(1)
    _losses(db, rng)
    _external(db, rng, 5)
    with pytest.raises(MissingInputError, match="invalid value None for 'bank_size'"):
        db.capital.icaap(**{**KW, "bank_size": None})
    db.record_scenario("SC-CNY", actor="anna", **{**SCENARIO, "currency": "CNY"})
    db.approve_scenario("SC-CNY", actor="ben")
    with pytest.raises(
        InsufficientDataError, match="no FX rate from CNY to EUR for scenario 'SC-CNY'"
    ):
        db.capital.icaap(**KW)
