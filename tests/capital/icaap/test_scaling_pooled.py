"""External-loss scaling and the pooled fit with one truncation point per loss."""

import math

import numpy as np
import pytest
from scipy import optimize, stats

from oprisk.capital.icaap import fit_pooled, fit_scaling, scale_losses
from oprisk.capital.lda import fit_severity
from oprisk.errors import CapitalError


def test_scaling_exponent_is_the_least_squares_slope_with_its_standard_error():
    rng = np.random.default_rng(7)
    size = np.exp(rng.uniform(20, 27, 400))
    loss = np.exp(2.0 + 0.25 * np.log(size) + rng.normal(0, 1.5, 400))
    fit = fit_scaling(loss, size)
    ref = stats.linregress(np.log(size), np.log(loss))  # independent implementation
    assert fit.alpha == pytest.approx(ref.slope, rel=1e-12)
    assert fit.alpha_se == pytest.approx(ref.stderr, rel=1e-10)
    assert fit.intercept == pytest.approx(ref.intercept, rel=1e-10)
    assert fit.r_squared == pytest.approx(ref.rvalue**2, rel=1e-10)
    assert abs(fit.alpha - 0.25) < 3 * fit.alpha_se  # the true exponent, within 3 SE


def test_scaled_losses_and_thresholds_by_hand():
    x, h = scale_losses([1e6, 2e6], [1e5, 5e4], [4e10, 1e10], 1e10, 0.5)
    # (1e10/4e10)^0.5 = 0.5 ; (1e10/1e10)^0.5 = 1
    np.testing.assert_allclose(x, [5e5, 2e6], rtol=1e-15)
    np.testing.assert_allclose(h, [5e4, 5e4], rtol=1e-15)


def test_scaling_refuses_a_non_positive_size_naming_the_row():
    with pytest.raises(
        CapitalError, match=r"invalid value -1.0 for 'size_indicator\[1\]': must be a positive"
    ):
        scale_losses([1.0, 2.0], [0.0, 0.0], [1.0, -1.0], 1.0, 0.2)


def _sample(rng, mu, sigma, h, n):
    x = np.exp(rng.normal(mu, sigma, n * 20))
    return x[x >= h][:n]


def test_pooled_fit_with_one_threshold_is_the_truncated_fit():
    rng = np.random.default_rng(1)
    x = _sample(rng, 10, 2, 2e4, 300)
    pooled = fit_pooled(x, np.full(x.size, 2e4), bank_threshold=2e4)
    single = fit_severity(x, "lognormal", threshold=2e4)
    assert pooled.params["mu"] == pytest.approx(single.params["mu"], rel=1e-6)
    assert pooled.params["sigma"] == pytest.approx(single.params["sigma"], rel=1e-6)
    assert pooled.loglik == pytest.approx(single.loglik, rel=1e-9)


def test_pooled_fit_maximises_the_likelihood_with_a_threshold_per_loss():
    rng = np.random.default_rng(2)
    a, b = _sample(rng, 10, 2, 1e4, 200), _sample(rng, 10, 2, 2e5, 150)
    x = np.concatenate([a, b])
    h = np.concatenate([np.full(a.size, 1e4), np.full(b.size, 2e5)])

    def nll(p):  # written independently with scipy's lognorm
        d = stats.lognorm(p[1], scale=math.exp(p[0]))
        return -(d.logpdf(x).sum() - d.logsf(h).sum()) if p[1] > 0 else 1e300

    ref = optimize.minimize(
        nll,
        [11.0, 1.5],
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 10_000},
    )
    fit = fit_pooled(x, h, bank_threshold=1e4)
    assert fit.params["mu"] == pytest.approx(ref.x[0], abs=1e-5)
    assert fit.params["sigma"] == pytest.approx(ref.x[1], abs=1e-5)
    assert fit.loglik >= -ref.fun - 1e-9
    # the true parameters within 3 standard errors; the fit at the lowest threshold alone is biased
    assert abs(fit.params["mu"] - 10) < 3 * fit.se["mu"]
    assert abs(fit.params["sigma"] - 2) < 3 * fit.se["sigma"]
    naive = fit_severity(x, "lognormal", threshold=1e4)
    assert abs(naive.params["mu"] - 10) > 3 * naive.se["mu"]


def test_pooled_fit_refuses_a_loss_below_its_threshold():
    with pytest.raises(CapitalError, match=r"'losses\[1\]'.*≥ its threshold 500"):
        fit_pooled([1000.0, 400.0] + [2000.0] * 10, [500.0] * 12, bank_threshold=500)


def test_truncated_scaling_regression_undoes_the_bias_of_least_squares():
    rng = np.random.default_rng(3)
    size = np.exp(rng.uniform(20, 25, 20_000))
    y = 2 + 0.25 * np.log(size) + rng.normal(0, 1.5, size.size)
    h = np.exp(9.5)  # the source reports losses ≥ h only
    keep = y >= np.log(h)
    loss, size = np.exp(y[keep])[:2000], size[keep][:2000]
    fit = fit_scaling(loss, size, np.full(loss.size, h))
    ols = fit_scaling(loss, size)
    assert fit.method == "truncated" and ols.method == "ols"
    assert abs(fit.alpha - 0.25) < 3 * fit.alpha_se
    assert abs(ols.alpha - 0.25) > 10 * ols.alpha_se  # least squares on truncated data: biased to 0

    def nll(p):  # written independently with scipy's truncated normal
        m = p[0] + p[1] * np.log(size)
        s = abs(p[2])
        return -stats.truncnorm.logpdf(
            np.log(loss), (math.log(h) - m) / s, np.inf, loc=m, scale=s
        ).sum()

    ref = optimize.minimize(nll, [fit.intercept, fit.alpha, 1.4], method="Nelder-Mead",
                            options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 20_000})  # fmt: skip
    assert fit.alpha == pytest.approx(ref.x[1], abs=1e-5)
    assert fit.intercept == pytest.approx(ref.x[0], abs=1e-4)


def test_truncated_scaling_on_losses_piled_at_the_threshold_is_an_error():
    from oprisk.errors import FitError

    rng = np.random.default_rng(11)
    size = np.exp(rng.uniform(21, 25, 40))
    loss = np.maximum(1e5 * np.exp(rng.normal(0, 1.3, 40)) * (size / 1e10) ** 0.2, 1e5)
    with pytest.raises(FitError, match="is not determined"):
        fit_scaling(loss, size, np.full(40, 1e5))
