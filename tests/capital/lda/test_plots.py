import numpy as np
import pytest

from oprisk.capital.lda import aggregate, fit_severity, plots, poisson

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")


def test_figures():
    x = np.random.default_rng(1).lognormal(10, 2, 3000)
    x = x[x >= 20_000]
    fit = fit_severity(x, "lognormal", threshold=20_000)
    for fig in (
        plots.qq_plot(fit, x),
        plots.pp_plot(fit, x),
        plots.fit_plot(fit, x),
        plots.mean_excess_plot(x),
    ):
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel()
    assert plots.qq_plot(fit, x).axes[0].get_xscale() == "log"
    r = aggregate(poisson(5), fit, "fft")
    assert "EUR" in plots.aggregate_plot(r).axes[0].get_xlabel()
