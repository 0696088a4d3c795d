"""Reconciliation with McNeil (1997), ASTIN Bulletin 27(1) 117–137, Table 1: GPD excess fits."""

import numpy as np
import pytest
from scipy import stats

from oprisk.capital.lda import fit_frequency, fit_severity, gpd_stability


def test_data_as_documented(danish):
    x = danish["loss_mdkk"]
    assert len(x) == 2167 and (x > 10).sum() == 109 and (x > 20).sum() == 36
    assert x.mean() == pytest.approx(3.3851, abs=1e-4)


def test_gpd_above_10_matches_mcneil_to_three_decimals(danish):
    fit = fit_severity(danish["loss_mdkk"], "gpd", threshold=10.0)
    assert fit.n == 109 and fit.converged and not fit.degenerate
    # McNeil (1997) Table 1: ξ = 0.497 above 10 (three decimals); β = 6.975 at that maximum
    assert round(fit.params["xi"], 3) == 0.497
    assert round(fit.params["beta"], 3) == 6.975
    assert fit.loglik == pytest.approx(-374.8930, abs=5e-5)


def test_gpd_above_20(danish):
    x = danish["loss_mdkk"].to_numpy()
    fit = fit_severity(x, "gpd", threshold=20.0)
    assert fit.n == 36
    assert round(fit.params["xi"], 3) == 0.684
    # scipy's own MLE: same maximum (its optimiser stops within ~1e-9 of it)
    y = x[x >= 20.0]
    c, _, scale = stats.genpareto.fit(y, floc=20.0)
    theirs = stats.genpareto.logpdf(y, c, loc=20.0, scale=scale).sum()
    assert fit.loglik >= theirs - 1e-9
    assert fit.params["xi"] == pytest.approx(c, abs=1e-4)


def test_danish_fit_is_a_maximum_of_an_independent_likelihood(danish):
    """Gradient ≈ 0, Hessian negative definite and SEs from scipy's own GPD log-likelihood.

    Finite-difference Hessian (step 1e-4 on ξ, 1e-3 on β): relative error ~1e-6, well inside the
    1e-3 used for the standard errors.
    """
    x = danish["loss_mdkk"].to_numpy()
    y = x[x >= 10.0]
    fit = fit_severity(x, "gpd", threshold=10.0)
    theta = np.array([fit.params["xi"], fit.params["beta"]])

    def ll(t):
        return float(stats.genpareto.logpdf(y, t[0], loc=10.0, scale=t[1]).sum())

    step = np.array([1e-5, 1e-4])
    grad = np.array(
        [
            (ll(theta + e) - ll(theta - e)) / (2 * s)
            for e, s in zip(np.diag(step), step, strict=True)
        ]
    )
    hess = np.empty((2, 2))
    for i, ei in enumerate(np.diag(step * 10)):
        for j, ej in enumerate(np.diag(step * 10)):
            hess[i, j] = (
                ll(theta + ei + ej)
                - ll(theta + ei - ej)
                - ll(theta - ei + ej)
                + ll(theta - ei - ej)
            ) / (4 * step[i] * step[j] * 100)
    assert np.all(np.linalg.eigvalsh(hess) < 0)
    # the log-likelihood a full Newton step would still gain: zero to rounding
    assert -grad @ np.linalg.solve(hess, grad) < 1e-8
    # standard errors: the inverse observed information of that independent likelihood
    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    assert fit.se["xi"] == pytest.approx(se[0], rel=1e-3)
    assert fit.se["beta"] == pytest.approx(se[1], rel=1e-3)
    # scipy's own MLE is no better (its optimiser stops within ~1e-9 of the maximum)
    c, _, scale = stats.genpareto.fit(y, floc=10.0)
    assert fit.loglik >= ll(np.array([c, scale])) - 1e-9


def test_stability_and_frequency(danish):
    st = gpd_stability(danish["loss_mdkk"], [5, 10, 20])
    assert list(st["xi"].round(3))[1:] == [0.497, 0.684]
    assert not st["degenerate"].any()
    freq = fit_frequency(danish["date"], start="1980-01-01", end="1990-12-31")
    assert freq.mean == pytest.approx(2167 / 11)
