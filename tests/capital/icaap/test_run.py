"""The staged ICAAP run: each stage against an independent method, exact multipliers, seeds."""

import math

import numpy as np
import pytest
from scipy import stats

from oprisk.capital.icaap import ScenarioInput, Stress, UnitData, build_unit, icaap_run
from oprisk.capital.lda import aggregate


def _unit(name, n, seed, scenario=True, factor=1.0, external=True):
    rng = np.random.default_rng(seed)
    x = np.exp(rng.normal(10, 1.6, n * 10))
    x = x[x >= 1e4][:n]
    ext = np.exp(rng.normal(11, 1.8, 400))
    ext = ext[ext >= 5e4] if external else np.empty(0)
    s = (
        ScenarioInput(4.0, 2.0, 7.0, (1 - 1 / 40, 1 - 1 / 200, 1 - 1 / 800), (1.5e6, 5e6, 2e7))
        if scenario
        else None
    )
    return UnitData(name, x, 10.0, 1e4, external=ext, external_thresholds=np.full(ext.size, 5e4),
                    scenario=s, beicf_factor=factor)  # fmt: skip


def test_one_unit_stage_var_and_es_agree_with_the_fft():
    u = _unit("a", 60, 1)
    res = icaap_run([u], dependence="independence", n_simulations=400_000, random_state=3)
    model = build_unit(u)
    for stage in ("ild", "external", "scenarios"):
        f, s = model.stages[stage]
        ref = aggregate(f, s, "fft", confidence_levels=(0.999,))
        row = res.total.set_index("stage").loc[stage]
        assert abs(row["var"] - ref.var[0.999]) < 4 * row["var_se"], stage
        assert row["es"] == pytest.approx(ref.es[0.999], rel=0.05), stage  # MC ES, 4e5 years
        assert row["expected_loss"] == pytest.approx(ref.expected_loss, rel=0.01), stage


def test_severity_factor_and_stress_scale_the_annual_loss_exactly():
    units = [_unit("a", 60, 1, factor=0.85), _unit("b", 40, 2, scenario=False, factor=0.85)]
    res = icaap_run(units, dependence="comonotonic", n_simulations=50_000, random_state=9,
                    stress=Stress(1.0, 1.2))  # fmt: skip
    t = res.total.set_index("stage")
    # same random numbers, every loss × k: the annual losses and their quantiles × k
    assert t.at["beicf", "var"] == pytest.approx(0.85 * t.at["scenarios", "var"], rel=1e-12)
    assert t.at["stress", "var"] == pytest.approx(1.2 * t.at["beicf", "var"], rel=1e-12)
    assert t.at["stress", "es"] == pytest.approx(1.2 * t.at["beicf", "es"], rel=1e-12)
    # the attribution adds up to the last figure
    assert t["var_change"].sum() == pytest.approx(t["var"].iloc[-1], rel=1e-12)


def test_scenario_tail_exceeds_its_lowest_amount_as_often_as_the_workshop_said():
    q = (1 - 1 / 40, 1 - 1 / 200, 1 - 1 / 800)  # 4 events a year: the 1-in-10, 50, 200-year losses
    amounts = tuple(stats.lognorm(1.3, scale=math.exp(12)).ppf(q))
    u = _unit("a", 60, 1)
    u = UnitData(
        u.name, u.losses, u.years, u.threshold, scenario=ScenarioInput(4.0, 2.0, 7.0, q, amounts)
    )
    m = build_unit(u)
    f, s = m.stages["scenarios"]
    # λ · P(X > u) = once in 10 years, whatever λ the credibility gives
    assert f.mean * float(s.sf(amounts[0])) == pytest.approx(1 / 10, rel=1e-12)
    assert f.mean * float(s.sf(amounts[2])) == pytest.approx(1 / 200, rel=1e-12)
    assert m.credibility.mean == pytest.approx(
        (m.credibility.prior_shape + 60) / (m.credibility.prior_rate + 10), rel=1e-14
    )


def test_a_unit_without_losses_counts_only_once_a_scenario_gives_it_a_frequency():
    empty = UnitData("z", np.empty(0), 10.0, 1e4,
                     scenario=ScenarioInput(1.0, 0.5, 2.0, (0.9, 0.99), (1e6, 4e6)))  # fmt: skip
    res = icaap_run(
        [_unit("a", 60, 1), empty], dependence="independence", n_simulations=20_000, random_state=1
    )
    t = res.total.set_index("stage")
    assert t.at["ild", "units"] == 1 and t.at["scenarios", "units"] == 2
    assert "z" in set(res.units[res.units.stage == "scenarios"].unit)


def test_same_seed_same_figures_other_seed_other_figures():
    units = [_unit("a", 60, 1), _unit("b", 30, 2)]
    r1 = icaap_run(units, n_simulations=20_000, random_state=5)
    r2 = icaap_run(units, n_simulations=20_000, random_state=5)
    r3 = icaap_run(units, n_simulations=20_000, random_state=6)
    assert r1.to_dict() == r2.to_dict()
    assert r1.total["var"].tolist() != r3.total["var"].tolist()


def test_credibility_severity_is_the_posterior_predictive_lognormal():
    from oprisk.capital.icaap import (
        combine_normal,
        fit_pooled,
        fit_scenario,
        lognormal_mu_posterior,
    )

    u = _unit("a", 60, 1)
    m = build_unit(u, scenario_severity="credibility", scenario_mu_sd=0.4)
    sev = m.stages["scenarios"][1]
    s = u.scenario
    ext = fit_pooled(u.external, u.external_thresholds, bank_threshold=1e4)
    sigma = fit_pooled(np.r_[u.losses, u.external], np.r_[np.full(u.losses.size, 1e4), u.external_thresholds],
                       bank_threshold=1e4).params["sigma"]  # fmt: skip
    prior = combine_normal(
        (fit_scenario(s.quantiles, s.amounts).params["mu"], 0.4), (ext.params["mu"], ext.se["mu"])
    )
    post = lognormal_mu_posterior(u.losses, sigma, prior, threshold=1e4)
    assert sev.params["mu"] == pytest.approx(post.mean, rel=1e-9)
    assert sev.params["sigma"] == pytest.approx(math.hypot(sigma, post.sd), rel=1e-9)
    assert sev.threshold == 1e4  # recorded losses: truncated at H in the aggregation


def test_portfolio_engine_agrees_with_monte_carlo_within_their_errors():
    units = [_unit("a", 60, 1, factor=0.9), _unit("b", 40, 2, scenario=False)]
    mc = icaap_run(units, n_simulations=200_000, random_state=8).total.set_index("stage")
    pf = icaap_run(units, n_simulations=200_000, random_state=8, engine="portfolio", n_workers=1)
    pf_t = pf.total.set_index("stage")
    for stage in ("ild", "external", "scenarios", "beicf"):
        # two independent samples of the portfolio's 99.9 % quantile: their SEs add in quadrature
        se = math.hypot(mc.at[stage, "var_se"], pf_t.at[stage, "var_se"])
        assert abs(mc.at[stage, "var"] - pf_t.at[stage, "var"]) < 4 * se, stage
