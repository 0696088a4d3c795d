"""Every notebook runs top to bottom against the database it is given, and what its text says
about a figure holds (each claim is a ``check(...)`` cell that fails when it does not)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from oprisk.demo.run import run_demo

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
#: the checks each notebook must pass (the words of its ``check`` cells)
CLAIMS = {
    "01-explore-losses": ["the yearly net losses add up to the net loss of the events"],
    "02-capital": [
        "the CLI and this notebook give the same ORC",
        "the pure functions on the stored loss data reproduce the run",
        "the settlement raises the LC by EUR 225m",
        "under CRR3 the ILM is 1 and the own funds requirement is the BIC",
    ],
    "03-lda": [
        "has the lowest AIC of the non-degenerate fits",
        "Monte Carlo and FFT agree on the 99.9 % VaR",
        "the run models ET7 with the family chosen above",
        "comonotonic units add up: no diversification at all",
    ],
    "04-regulatory-export": [
        "the export re-runs byte for byte",
        "make demo's exports re-run byte for byte from this database",
        "the four size bands count every new event once",
    ],
    "05-icaap": [
        "is the least-squares slope of ln loss on ln size",
        "the run scales external losses with the truncated-regression",
        "is the credibility mix of",
        "the steps add up to the figure with all four elements",
        "every BEICF factor lies within its bounds",
        "the same cut-off and seed reproduce the run",
    ],
}
MAX_BYTES = 300_000


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    run_demo(None, out, 2026, echo=lambda *_: None)
    return out


def run(path: Path, url: str, monkeypatch) -> nbformat.NotebookNode:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPRISK_DATABASE_URL", url)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit notebooks without outputs"
    )
    assert "parameters" in nb.cells[1].metadata.get("tags", []), "the first code cell: parameters"
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, [(o["ename"], o["evalue"][:300]) for o in errors]
    return nb


def printed(nb: nbformat.NotebookNode) -> str:
    return "".join(
        o.get("text", "")
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("name") == "stdout"
    )


def test_every_notebook_has_its_claims():
    assert [p.stem for p in NOTEBOOKS] == list(CLAIMS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_its_claims_hold(path, demo_out, monkeypatch, tmp_path):
    nb = run(path, f"sqlite:///{demo_out / 'demo.db'}", monkeypatch)
    text = printed(nb)
    for claim in CLAIMS[path.stem]:
        assert f"✓ {claim}" in text or any(
            line.startswith("✓") and claim in line for line in text.splitlines()
        ), claim
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images >= {"01-explore-losses": 3, "02-capital": 1, "03-lda": 5, "05-icaap": 1}.get(
        path.stem, 0
    )
    executed = tmp_path / path.name
    nbformat.write(nb, executed)
    assert executed.stat().st_size < MAX_BYTES  # figures at screen resolution, short reprs


def test_a_notebook_follows_the_database_it_is_given(tmp_path, monkeypatch):
    from oprisk.api import connect

    url = f"sqlite:///{tmp_path / 'mine.db'}"
    with connect(url) as db:
        for i, year in enumerate((2023, 2025)):
            db.report(f"M-{i}", actor="a", title="mine", event_type="ET7", business_line="BL2",
                      discovered_on=date(year, 5, 1), currency="EUR")  # fmt: skip
            db.record_impact(f"M-{i}", actor="a", amount="50000", currency="EUR",
                             accounted_on=date(year, 5, 2))  # fmt: skip
    nb = run(NOTEBOOKS[0], url, monkeypatch)
    text = printed(nb)
    assert str(tmp_path / "mine.db") in text and "2 loss events" in text
