"""Reconciliation with McNeil (1997), ASTIN Bulletin 27(1) 117–137: GPD above 10m DKK, ξ ≈ 0.50."""

import pytest

from oprisk.capital.lda import fit_frequency, fit_severity, gpd_stability


def test_data_as_documented(danish):
    x = danish["loss_mdkk"]
    assert len(x) == 2167 and (x > 10).sum() == 109 and (x > 20).sum() == 36
    assert x.mean() == pytest.approx(3.3851, abs=1e-4)


def test_gpd_tail_above_10m(danish):
    fit = fit_severity(danish["loss_mdkk"], "gpd", threshold=10.0)
    assert fit.n == 109
    # McNeil (1997) reports ξ ≈ 0.50 (s.e. 0.14) above 10; we get 0.510 (s.e. 0.140), β = 6.90
    assert fit.params["xi"] == pytest.approx(0.50, abs=0.03)
    assert fit.se["xi"] == pytest.approx(0.14, abs=0.02)
    assert fit.params["beta"] == pytest.approx(6.9, abs=0.1)


def test_stability_and_frequency(danish):
    st = gpd_stability(danish["loss_mdkk"], [5, 10])
    assert st["xi"].between(0.4, 0.75).all()
    freq = fit_frequency(danish["date"], start="1980-01-01", end="1990-12-31")
    assert freq.mean == pytest.approx(2167 / 11)
