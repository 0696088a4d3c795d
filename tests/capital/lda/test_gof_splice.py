import numpy as np
import pytest

from oprisk.capital.lda import (
    aggregate,
    compare_severities,
    fit_severity,
    fit_spliced,
    goodness_of_fit,
    gpd_stability,
    mean_excess,
    poisson,
)
from oprisk.capital.lda.gof import gof_statistics
from oprisk.errors import ConvergenceWarning

H = 20_000.0


def sample(n, seed=1):
    x = np.random.default_rng(seed).lognormal(10, 2, 4 * n)
    return x[x >= H][:n]


def test_statistics_on_uniforms_are_small():
    z = (np.arange(1, 1001) - 0.5) / 1000
    s = gof_statistics(z)
    assert s["ks"] < 0.02 and s["cvm"] < 1e-3 and s["ad"] < 0.01


def test_pvalues_deterministic_with_seed():
    x = sample(300)
    fit = fit_severity(x, "lognormal", threshold=H)
    a = goodness_of_fit(fit, x, n_bootstrap=30, random_state=42)
    b = goodness_of_fit(fit, x, n_bootstrap=30, random_state=42)
    assert a.p_values == b.p_values
    assert all(p > 0.01 for p in a.p_values.values())
    assert a.summary().shape == (4, 3)


def test_wrong_family_rejected_on_big_sample():
    x = sample(4000, seed=2)
    with pytest.warns(ConvergenceWarning, match="degenerate"):  # gamma shape runs to 0
        wrong = fit_severity(x, "gamma", threshold=H)
    g = goodness_of_fit(wrong, x, n_bootstrap=19, random_state=1)
    assert g.p_values["ad"] == pytest.approx(1 / 20)
    assert g.p_values["ks"] == pytest.approx(1 / 20)
    right = fit_severity(x, "lognormal", threshold=H)
    assert goodness_of_fit(right, x).statistics["ad"] < g.statistics["ad"] / 10


def test_compare_severities_ranks_by_aic():
    x = sample(2000, seed=3)
    df = compare_severities(x, ["gamma", "lognormal", "weibull"], threshold=H)
    assert df["family"].iloc[0] == "lognormal"
    assert df["delta_aic"].iloc[0] == 0
    assert {"ks", "ad", "ad_up", "cvm", "p_ad"} <= set(df.columns)


def test_spliced_fit_and_aggregate():
    rng = np.random.default_rng(5)
    x = rng.lognormal(10, 1.5, 5000)
    x = x[x >= H]
    u = float(np.quantile(x, 0.9))
    sp = fit_spliced(x, u, threshold=H, body="lognormal")
    assert sp.weight == pytest.approx(0.1, abs=0.002)
    assert float(sp.sf(u)) == pytest.approx(sp.weight)
    assert float(sp.cdf(H)) == 0.0
    assert float(sp.sf(sp.isf(0.05))) == pytest.approx(0.05)
    assert float(sp.sf(sp.isf(0.5))) == pytest.approx(0.5, abs=1e-6)
    emp = fit_spliced(x, u, threshold=H, body="empirical")
    assert emp.mean() == pytest.approx(sp.mean(), rel=0.05)
    r = aggregate(poisson(5), sp, "fft", confidence_levels=0.999)
    mc = aggregate(
        poisson(5), sp, "mc", n_simulations=100_000, random_state=1, confidence_levels=0.999
    )
    assert abs(mc.var[0.999] - r.var[0.999]) < 4 * mc.var_se[0.999]
    assert sp.summary()["part"].tolist()[-1] == "tail"


def test_threshold_tools():
    x = sample(3000, seed=6)
    me = mean_excess(x)
    assert {"threshold", "n_exceed", "mean_excess", "se"} <= set(me.columns)
    assert me["mean_excess"].iloc[-1] > me["mean_excess"].iloc[0]  # heavy tail: increasing
    st = gpd_stability(x, [H, 50_000, 100_000])
    assert list(st["threshold"]) == [H, 50_000, 100_000]
    assert st["xi"].notna().all()
