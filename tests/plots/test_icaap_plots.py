import pytest
from tests.capital.icaap.test_run import _unit

from oprisk.capital.icaap import Stress, icaap_run

mpl = pytest.importorskip("matplotlib")
from oprisk.plots.icaap import waterfall  # noqa: E402


def test_waterfall_steps_add_up_to_the_last_stage_and_the_stress_bar_stands_apart():
    res = icaap_run([_unit("a", 60, 1, factor=1.1), _unit("b", 40, 2)], n_simulations=5000,
                    random_state=2, stress=Stress(1.5, 1.2), currency="EUR")  # fmt: skip
    ax = waterfall(res).axes[0]
    bars = ax.patches
    t = res.total.set_index("stage")
    scale = 1e6 if "EUR m" in ax.get_ylabel() else 1e9 if "EUR bn" in ax.get_ylabel() else 1.0
    assert len(bars) == 6  # ILD, three steps, all elements, stressed
    assert bars[0].get_height() * scale == pytest.approx(t.at["ild", "var"], rel=1e-12)
    for i, stage in enumerate(["external", "scenarios", "beicf"], start=1):
        assert bars[i].get_height() * scale == pytest.approx(
            abs(t.at[stage, "var_change"]), rel=1e-9
        )
    assert bars[4].get_height() * scale == pytest.approx(t.at["beicf", "var"], rel=1e-12)
    assert bars[5].get_height() * scale == pytest.approx(t.at["stress", "var"], rel=1e-12)
    labels = [x.get_text() for x in ax.get_xticklabels()]
    assert labels[1] == "+ external data" and labels[-1] == "stress freq ×1.5, sev ×1.2"
    assert "VaR 99.9% (EUR" in ax.get_ylabel()
