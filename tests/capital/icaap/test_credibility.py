"""Poisson–gamma and lognormal-μ credibility against closed forms, quadrature and Monte Carlo."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from oprisk.capital.icaap import combine_normal, gamma_prior, lognormal_mu_posterior, poisson_gamma
from oprisk.errors import CapitalError


def test_gamma_prior_from_estimate_and_range_by_hand():
    a, b = gamma_prior(3.0, 1.0, 6.0, coverage=0.9)
    sd = 5.0 / (2 * 1.6448536269514722)
    assert a / b == pytest.approx(3.0, rel=1e-14)
    assert math.sqrt(a) / b == pytest.approx(sd, rel=1e-14)
    with pytest.raises(CapitalError, match="'frequency_low'"):
        gamma_prior(3.0, 4.0, 6.0)


def test_poisson_gamma_posterior_mean_against_numerical_integration():
    a, b = gamma_prior(3.0, 1.0, 6.0)
    post = poisson_gamma(17, 8.0, (a, b))

    def weight(lam):  # prior × Poisson likelihood of 17 losses in 8 years
        return stats.gamma.pdf(lam, a, scale=1 / b) * stats.poisson.pmf(17, 8.0 * lam)

    z, _ = integrate.quad(weight, 0, 50, epsabs=0, epsrel=1e-12, limit=200)
    m, _ = integrate.quad(lambda t: t * weight(t), 0, 50, epsabs=0, epsrel=1e-12, limit=200)
    assert post.mean == pytest.approx(m / z, rel=1e-9)
    # the credibility form Z·N/T + (1 − Z)·λ_s
    z_ = post.credibility
    assert post.mean == pytest.approx(z_ * 17 / 8 + (1 - z_) * 3.0, rel=1e-14)


def test_conjugate_lognormal_mu_against_numerical_integration():
    rng = np.random.default_rng(4)
    x = np.exp(rng.normal(10.3, 2.0, 25))
    post = lognormal_mu_posterior(x, 2.0, (11.0, 0.5))
    y = np.log(x)

    def weight(mu):
        return stats.norm.pdf(mu, 11.0, 0.5) * np.exp(np.sum(stats.norm.logpdf(y, mu, 2.0)) + 60)

    z, _ = integrate.quad(weight, 5, 16, epsabs=0, epsrel=1e-12, limit=200)
    m, _ = integrate.quad(lambda t: t * weight(t), 5, 16, epsabs=0, epsrel=1e-12, limit=200)
    v, _ = integrate.quad(
        lambda t: (t - m / z) ** 2 * weight(t), 5, 16, epsabs=0, epsrel=1e-12, limit=200
    )
    assert post.method == "conjugate"
    assert post.mean == pytest.approx(m / z, rel=1e-10)
    assert post.sd == pytest.approx(math.sqrt(v / z), rel=1e-8)


def test_truncated_posterior_against_monte_carlo_from_the_prior():
    rng = np.random.default_rng(5)
    x = np.exp(rng.normal(10.0, 2.0, 4000))
    x = x[x >= 2e4][:30]
    prior = (10.5, 0.6)
    post = lognormal_mu_posterior(x, 2.0, prior, threshold=2e4)
    # importance sampling: μ from the prior, weights = truncated likelihood (scipy's lognorm)
    mu = rng.normal(*prior, 400_000)
    d = stats.lognorm(2.0, scale=np.exp(mu)[:, None])
    logw = d.logpdf(x[None, :]).sum(axis=1) - x.size * stats.norm.logsf((math.log(2e4) - mu) / 2.0)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    mc_mean = float(w @ mu)
    ess = 1 / float(w @ w)
    se = math.sqrt(float(w @ (mu - mc_mean) ** 2)) / math.sqrt(ess)
    assert post.method == "quadrature"
    assert abs(post.mean - mc_mean) < 4 * se
    assert post.sd == pytest.approx(math.sqrt(float(w @ (mu - mc_mean) ** 2)), rel=0.05)
    # ignoring the truncation gives a visibly different answer
    assert abs(lognormal_mu_posterior(x, 2.0, prior).mean - post.mean) > 10 * se


def test_combined_opinions_by_precision():
    m, s = combine_normal((10.0, 1.0), (12.0, 0.5))
    assert m == pytest.approx((10 / 1 + 12 / 0.25) / (1 + 4), rel=1e-15)
    assert s == pytest.approx(1 / math.sqrt(5), rel=1e-15)
