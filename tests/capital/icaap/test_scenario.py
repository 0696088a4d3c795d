"""Quantile-matched scenario tails and the splice of an internal body with a scenario tail."""

import math

import numpy as np
import pytest
from scipy import stats

from oprisk.capital.icaap import ScenarioSplice, fit_scenario, return_period_quantile
from oprisk.errors import CapitalError, InsufficientDataError


def test_return_period_quantile_by_hand():
    # 2 events a year, the 1-in-50-year loss: exceeded by 1 loss in 100
    np.testing.assert_allclose(return_period_quantile(2.0, [50, 500]), [0.99, 0.999], rtol=1e-15)
    with pytest.raises(CapitalError, match=r"must exceed 1/frequency = 0\.5 years"):
        return_period_quantile(2.0, [0.4])


def test_lognormal_matched_exactly_to_its_own_quantiles():
    q = np.array([0.9, 0.99, 0.999])
    fit = fit_scenario(q, stats.lognorm(1.7, scale=math.exp(11.0)).ppf(q))
    assert fit.params["mu"] == pytest.approx(11.0, rel=1e-13)
    assert fit.params["sigma"] == pytest.approx(1.7, rel=1e-13)
    assert np.max(np.abs(fit.residuals)) < 1e-12


def test_lognormal_match_is_the_regression_of_log_amount_on_normal_scores():
    q = np.array([0.8, 0.95, 0.99, 0.998])
    x = np.array([3e5, 1.1e6, 4e6, 2.5e7])
    fit = fit_scenario(q, x)
    slope, intercept = np.polyfit(stats.norm.ppf(q), np.log(x), 1)
    assert fit.params["sigma"] == pytest.approx(slope, rel=1e-12)
    assert fit.params["mu"] == pytest.approx(intercept, rel=1e-12)


@pytest.mark.parametrize(("family", "dist", "params"), [
    ("pareto", stats.lomax(2.5, scale=1e5), {"alpha": 2.5, "scale": 1e5}),
    ("weibull", stats.weibull_min(0.6, scale=2e5), {"shape": 0.6, "scale": 2e5}),
])  # fmt: skip
def test_other_families_recover_their_parameters_from_exact_quantiles(family, dist, params):
    q = np.array([0.9, 0.99, 0.999])
    fit = fit_scenario(q, dist.ppf(q), family)
    for k, v in params.items():
        assert fit.params[k] == pytest.approx(v, rel=1e-7)


def test_scenario_points_must_be_enough_and_rising():
    with pytest.raises(InsufficientDataError, match="need 2 distinct points"):
        fit_scenario([0.99], [1e6])
    with pytest.raises(CapitalError, match="must rise with the return period"):
        fit_scenario([0.9, 0.99], [2e6, 1e6])
    with pytest.raises(CapitalError, match=r"'quantile\[1\]': must be in \(0, 1\)"):
        fit_scenario([0.9, 1.0], [1e6, 2e6])


def _ln(mu, s):
    return stats.lognorm(s, scale=math.exp(mu))


def _partial(mu, s, a, b):
    """E[X; a ≤ X < b] for a lognormal (closed form)."""
    m = math.exp(mu + s * s / 2)
    za = (math.log(a) - mu - s * s) / s if a > 0 else -np.inf
    zb = (math.log(b) - mu - s * s) / s if b < np.inf else np.inf
    return m * (stats.norm.cdf(zb) - stats.norm.cdf(za))


def test_splice_distribution_and_mean_against_closed_forms():
    body, tail = _ln(10, 2), _ln(12, 1.2)
    h, u, p = 2e4, 5e6, 0.03
    sp = ScenarioSplice(body, tail, h, u, p)
    # S(H) = 1, S(u) = p from both sides, and the tail beyond u is the scenario's conditional tail
    assert float(sp.sf(h)) == 1.0
    assert float(sp.sf(u - 1e-6)) == pytest.approx(p, rel=1e-9)
    assert float(sp.sf(u)) == pytest.approx(p, rel=1e-12)
    assert float(sp.sf(3e7)) == pytest.approx(p * tail.sf(3e7) / tail.sf(u), rel=1e-12)
    x = np.array([3e4, 1e5, 1e6, 6e6, 1e8])
    np.testing.assert_allclose(sp.isf(sp.sf(x)), x, rtol=1e-9)
    body_mean = _partial(10, 2, h, u) / (body.sf(h) - body.sf(u))
    tail_mean = _partial(12, 1.2, u, np.inf) / tail.sf(u)
    assert sp.mean() == pytest.approx((1 - p) * body_mean + p * tail_mean, rel=1e-7)


def test_splice_sample_mean_agrees_within_its_standard_error():
    sp = ScenarioSplice(_ln(10, 1.5), _ln(12, 1.0), 1e4, 2e6, 0.05)
    rng = np.random.default_rng(11)
    x = stats.uniform.rvs(size=2_000_000, random_state=rng)
    sample = sp.isf(x)
    se = sample.std() / math.sqrt(sample.size)
    assert abs(sample.mean() - sp.mean()) < 4 * se


def test_merged_scenarios_add_their_exceedance_rates():
    from oprisk.capital.icaap import ScenarioInput, merge_scenarios

    d1, d2 = _ln(11, 1.2), _ln(12.5, 0.8)
    q = (0.9, 0.99, 0.999)
    s1 = ScenarioInput(4.0, 2.0, 7.0, q, tuple(d1.ppf(q)), ids=("A",))
    s2 = ScenarioInput(0.5, 0.2, 1.0, q, tuple(d2.ppf(q)), ids=("B",))
    m = merge_scenarios([(s1, 0.5), (s2, 1.0)])
    lam = 0.5 * 4.0 + 0.5
    assert (m.frequency, m.frequency_low, m.frequency_high) == (
        lam,
        0.5 * 2.0 + 0.2,
        0.5 * 7.0 + 1.0,
    )
    for x, qm in zip(m.amounts, m.quantiles, strict=True):
        rate = 0.5 * 4.0 * d1.sf(x) + 0.5 * d2.sf(x)  # losses above x a year, both sources
        assert qm == pytest.approx(1 - rate / lam, rel=1e-9)
    assert m.ids == ("A", "B")
    one = merge_scenarios([(s1, 0.25)])  # one scenario's share: its frequency, same severity
    assert one.frequency == 1.0 and one.amounts == s1.amounts
