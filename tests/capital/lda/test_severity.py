import math
import warnings

import numpy as np
import pytest

from oprisk.capital.lda import FAMILIES, fit_severity
from oprisk.capital.lda.severity import frozen
from oprisk.errors import CapitalError, ConvergenceWarning, FitError, InsufficientDataError

H = 20_000.0
TRUE = {
    "lognormal": [10.0, 2.0],
    "weibull": [0.6, 50_000.0],
    "gamma": [1.5, 20_000.0],
    "loglogistic": [1.5, 30_000.0],
    "burr": [1.2, 1.5, 40_000.0],
    "pareto": [1.5, 30_000.0],
    "gpd": [0.6, 20_000.0],
    "loggamma": [25.0, 2.5],
}


def truncated_sample(family, n, seed):
    rng = np.random.default_rng(seed)
    d = frozen(family, TRUE[family], H if family == "gpd" else 0.0)
    x = d.rvs(size=8 * n, random_state=rng)
    x = x[x >= H]
    assert x.size >= n
    return x[:n]


@pytest.mark.parametrize("family", FAMILIES)
def test_parameter_recovery_with_truncation(family):
    x = truncated_sample(family, 3000, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit = fit_severity(x, family, threshold=H)
    assert fit.n == 3000 and fit.threshold == H and fit.family == family
    for (name, est), true in zip(fit.params.items(), TRUE[family], strict=True):
        se = fit.se[name]
        assert math.isfinite(se) and se > 0
        assert abs(est - true) < 4 * se, (name, est, true, se)
    assert fit.aic == pytest.approx(2 * len(TRUE[family]) - 2 * fit.loglik)
    assert fit.bic == pytest.approx(len(TRUE[family]) * math.log(3000) - 2 * fit.loglik)


@pytest.mark.parametrize("family", ["lognormal", "weibull", "loglogistic", "gamma"])
def test_ignoring_truncation_is_visibly_biased(family):
    x = truncated_sample(family, 3000, seed=11)
    right = fit_severity(x, family, threshold=H)
    naive = fit_severity(x, family, threshold=0.0)
    name = next(iter(right.params))
    true = TRUE[family][0]
    assert abs(right.params[name] - true) < 4 * right.se[name]
    # confidently wrong: far outside both its own and the truncated fit's standard error
    assert abs(naive.params[name] - true) > max(4 * right.se[name], 10 * naive.se[name])


def test_lognormal_bias_direction_matches_design_note():
    # design.md §8: ignoring truncation biased μ up and σ down
    x = truncated_sample("lognormal", 5000, seed=3)
    naive = fit_severity(x, "lognormal")
    assert naive.params["mu"] > 10.8 and naive.params["sigma"] < 1.5


def test_fit_result_methods():
    x = truncated_sample("lognormal", 2000, seed=5)
    fit = fit_severity(x, "lognormal", threshold=H)
    assert fit.prob_above_threshold == pytest.approx(float(fit.sf(H)))
    t = fit.truncated()
    assert float(t.cdf(H)) == 0.0
    assert float(t.ppf(0.5)) > H
    assert float(t.cdf(t.ppf(0.9))) == pytest.approx(0.9)
    s = fit.summary()
    assert list(s["parameter"]) == ["mu", "sigma"]
    d = fit.to_dict()
    assert d["family"] == "lognormal" and d["n"] == 2000 and d["threshold"] == H
    assert np.all(t.rvs(100, random_state=1) >= H)


def test_losses_below_threshold_are_excluded_and_counted():
    x = np.concatenate([truncated_sample("lognormal", 500, seed=1), [10.0, 100.0, 1000.0]])
    fit = fit_severity(x, "lognormal", threshold=H)
    assert fit.n == 500 and fit.n_excluded == 3


def test_too_few_losses():
    with pytest.raises(InsufficientDataError, match="at least 10"):
        fit_severity([30_000.0, 40_000.0, 50_000.0], "lognormal", threshold=H)


def test_all_equal():
    with pytest.raises(InsufficientDataError, match="all 20 equal"):
        fit_severity([25_000.0] * 20, "lognormal", threshold=H)


def test_threshold_above_every_loss():
    with pytest.raises(
        InsufficientDataError, match=r"invalid value 1000000\.0 for 'threshold': is above every"
    ):
        fit_severity(np.linspace(1, 100, 50), "lognormal", threshold=1e6)


@pytest.mark.parametrize("bad", [math.nan, -5.0, math.inf])
def test_nan_negative_infinite_losses(bad):
    x = [*np.linspace(30_000, 90_000, 30), bad]
    with pytest.raises(CapitalError, match=r"invalid value .* for 'losses'"):
        fit_severity(x, "lognormal", threshold=H)


def test_unknown_family_and_bad_threshold():
    with pytest.raises(CapitalError, match="for 'family': must be one of"):
        fit_severity(np.linspace(1, 2, 20), "cauchy")
    with pytest.raises(CapitalError, match="for 'threshold'"):
        fit_severity(np.linspace(1, 2, 20), threshold=-1)


def test_fit_error_names_family_threshold_and_n():
    with pytest.raises(FitError, match=r"loggamma fit with threshold 0 on n=20 losses"):
        fit_severity(np.linspace(0.5, 3, 20), "loggamma")
