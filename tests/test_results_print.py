"""Every result object prints in one short line (< 1 KB) on demo-sized data, has a summary()
frame and an HTML view (and plot() where a picture helps); the long content stays behind them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import oprisk
from oprisk import assess
from oprisk.demo.run import run_demo

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    run_demo(None, out, 2026, echo=lambda *_: None)
    db = oprisk.connect(f"sqlite:///{out / 'demo.db'}")
    yield db, out
    db.close()


def results(db, out: Path) -> dict[str, object]:
    sa = db.capital.sa(2025, profile="basel")
    lda = db.capital.lda(2025, uom="et", n_simulations=20_000, random_state=1)
    export = db.reports.export("all", "2025", None, "csv", out / "again", progress=False)
    judged = assess.assess(assess.load_template("supervision"))
    return {
        "CapitalRun (SA)": sa,
        "SA result": sa.result,
        "CapitalRun (BIA)": db.capital.bia(2025),
        "CapitalRun (TSA)": db.capital.tsa(2025),
        "LdaRun": lda,
        "LDA unit": lda.units[0],
        "LoadReport": db.load(EXAMPLES / "incidents.csv", source="P", progress=False),
        "ExportResult": export,
        "export VerifyReport": db.reports.verify(out / "again"),
        "Assessment": judged,
        "HierarchyWeights": judged.weights,
        "AHP PriorityResult": next(iter(judged.weights.local.values())),
    }


def test_every_result_prints_short_with_a_summary_frame_and_html(demo):
    db, out = demo
    found = results(db, out)
    for name, obj in found.items():
        text = repr(obj)
        assert len(text.encode()) < 1024 and "\n" not in text, (name, len(text))
        assert isinstance(obj.summary(), pd.DataFrame), name  # type: ignore[attr-defined]
        assert "<table" in obj._repr_html_(), name  # type: ignore[attr-defined]
    # the figures the one line promises are the result's own
    sa, lda, load = found["CapitalRun (SA)"], found["LdaRun"], found["LoadReport"]
    assert f"position {sa.cutoff_position}" in repr(sa)  # type: ignore[attr-defined]
    assert f"{lda.portfolio_var:,.0f}" in repr(lda)  # type: ignore[attr-defined]
    assert "7 rows, 7 new" in repr(load)
    counts = load.summary().set_index("figure").value  # type: ignore[attr-defined]
    assert counts["rows read"] == 7 and counts["loaded (new)"] == 7 and counts["rejected"] == 0


def test_results_that_a_picture_helps_draw_one(demo):
    pytest.importorskip("matplotlib")
    db, _ = demo
    sa = db.capital.sa(2025, profile="basel")
    for run in (sa, db.capital.lda(2025, n_simulations=5_000, random_state=1)):
        figure = run.plot()
        assert figure.axes and figure.axes[0].get_title()
