import numpy as np
import pytest

from oprisk.capital.lda import aggregate, fit_severity, poisson

mpl = pytest.importorskip("matplotlib")
from oprisk.plots import lda as plots  # noqa: E402


def test_figures_name_the_unit_of_measure_and_the_currency():
    x = np.random.default_rng(1).lognormal(10, 2, 3000)
    x = x[x >= 20_000]
    fit = fit_severity(x, "lognormal", threshold=20_000)
    for fig in (
        plots.qq_plot(fit, x, uom="ET7"),
        plots.pp_plot(fit, x, uom="ET7"),
        plots.fit_plot(fit, x, uom="ET7"),
        plots.mean_excess_plot(x, uom="ET7"),
    ):
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel()
        assert "unit of measure ET7" in ax.get_title()
    qq = plots.qq_plot(fit, x, currency="CNY").axes[0]
    assert qq.get_xscale() == "log" and "CNY" in qq.get_xlabel()
    assert "losses ≥ 20,000" in qq.get_title()
    r = aggregate(poisson(5), fit, "fft")
    assert "EUR" in plots.aggregate_plot(r).axes[0].get_xlabel()
    # the mean-excess axis uses one scale for values and bands: thousands or millions of EUR
    assert plots.mean_excess_plot(x).axes[0].get_ylabel().endswith("EUR m)")
