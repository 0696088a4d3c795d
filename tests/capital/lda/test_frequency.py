import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from oprisk.capital.lda import fit_frequency, fit_severity, negative_binomial, poisson
from oprisk.errors import CapitalError, DataQualityWarning, InsufficientDataError


def test_empty_years_count_in_the_window():
    # 10 years 2010–2019, losses only in 7 of them: λ = total / 10, not / 7
    years = [2010, 2011, 2013, 2014, 2016, 2018, 2019]
    dates = [dt.date(y, 3, 1 + k) for y in years for k in range(y % 4 + 1)]
    fit = fit_frequency(dates, start="2010-01-01", end="2019-12-31")
    assert fit.mean == pytest.approx(len(dates) / 10)
    assert fit.exposure == pytest.approx(10.0)
    assert (fit.periods["count"] == 0).sum() == 3
    assert fit.n_losses == len(dates)


def test_partial_years_are_exposure():
    dates = pd.to_datetime(["2020-08-01", "2021-05-05", "2021-06-06", "2022-02-02"])
    with pytest.warns(DataQualityWarning):
        fit = fit_frequency(dates, start="2020-07-01", end="2022-06-30")
    assert fit.exposure == pytest.approx(2.0, abs=0.01)
    assert fit.mean == pytest.approx(4 / fit.exposure)


def test_counts_with_exposure():
    with pytest.warns(DataQualityWarning):
        fit = fit_frequency(counts=[3, 0, 5, 2], exposure=[0.5, 1, 1, 1])
    assert fit.mean == pytest.approx(10 / 3.5)


def test_dates_outside_window_rejected():
    with pytest.raises(CapitalError, match="must lie in the window"):
        fit_frequency(["2009-12-31"], start="2010-01-01", end="2019-12-31")


def test_no_losses():
    with pytest.raises(InsufficientDataError):
        fit_frequency(counts=[0, 0, 0, 0, 0])


def test_gross_up_reference_numbers():
    # basel-oprisk.md §7.5: LN(10, 2), H = 20,000 → P(X > H) = 0.5192; λ = 25 shows as ≈ 12.98
    q = stats.lognorm(s=2, scale=math.exp(10)).sf(20_000)
    assert q == pytest.approx(0.5192, abs=5e-5)
    rng = np.random.default_rng(4)
    x = rng.lognormal(10, 2, 200_000)
    x = x[x >= 20_000]
    sev = fit_severity(x, "lognormal", threshold=20_000)
    obs = fit_frequency(counts=[13] * 10)  # 12.98 rounded per year
    full = fit_frequency(counts=[13] * 10, severity=sev, untruncated=True)
    assert sev.prob_above_threshold == pytest.approx(0.5192, abs=0.02)  # fitted: sampling error
    assert full.mean == pytest.approx(13 / sev.prob_above_threshold)
    assert full.prob_above_threshold == sev.prob_above_threshold
    assert full.observed_mean == obs.mean == 13
    assert full.untruncated and not obs.untruncated
    assert pytest.approx(25, abs=0.01) == 12.98 / 0.5192


def test_negative_binomial_recovers_overdispersion():
    rng = np.random.default_rng(8)
    r, lam = 4.0, 30.0
    counts = rng.negative_binomial(r, r / (r + lam), 400)
    fit = fit_frequency(counts=counts, family="negbin")
    assert fit.family == "negbin"
    assert fit.mean == pytest.approx(counts.mean(), rel=0.02)
    assert fit.dispersion == pytest.approx(r, rel=0.3)
    assert fit.variance > fit.mean


def test_negative_binomial_without_overdispersion_falls_back():
    with pytest.warns(DataQualityWarning, match="falls back to Poisson"):
        fit = fit_frequency(counts=[10, 10, 11, 9, 10, 10], family="negbin")
    assert fit.family == "poisson" and fit.dispersion is None


def test_short_history_warns():
    with pytest.warns(DataQualityWarning, match="at least 5 years"):
        fit_frequency(counts=[3, 4])


def test_constructors_and_pmf():
    p = poisson(3.0)
    nb = negative_binomial(3.0, 2.0)
    k = np.arange(200)
    assert p.pmf(k).sum() == pytest.approx(1.0)
    assert nb.pmf(k).sum() == pytest.approx(1.0)
    assert np.allclose(nb.pmf(k[:20]), stats.nbinom(2.0, 2 / 5).pmf(k[:20]))
    with pytest.raises(CapitalError, match="for 'mean'"):
        poisson(-1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert p.variance == 3.0
