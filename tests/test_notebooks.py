"""Every notebook runs top to bottom against a fresh demo database (nbclient)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from oprisk.demo.run import run_demo

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    run_demo(None, out, 2026, echo=lambda *_: None)
    return out


def test_there_are_four_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01-explore-losses.ipynb",
        "02-capital.ipynb",
        "03-lda.ipynb",
        "04-regulatory-export.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, demo_out, monkeypatch):
    monkeypatch.setenv("OPRISK_DEMO_OUT", str(demo_out))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit notebooks without outputs"
    )
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, [(o["ename"], o["evalue"][:300]) for o in errors]
    if path.stem in ("01-explore-losses", "03-lda"):
        assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
