"""Dependencies point one way (design.md §1), and ARCHITECTURE.md names every package."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "oprisk"
ROOT = SRC.parents[1]

#: what each layer may import from oprisk (besides itself and oprisk.errors)
ALLOWED = {
    "domain": set(),
    "store": {"domain"},
    "projections": {"domain", "store"},
    "capital": {"domain"},
    "assess": {"domain"},
}
#: the loader's modules; the rest of ingest (reading, mapping, validating) stays free of the database
LOADER = {"load.py", "run.py", "batches.py", "incidents.py", "movements.py", "financials.py",
          "report.py", "gcpause.py", "progress.py", "isolation.py", "spill.py"}  # fmt: skip
PURE_INGEST = sorted(p.name for p in (SRC / "ingest").glob("*.py") if p.name not in LOADER)


def oprisk_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for n in names:
            parts = n.split(".")
            if parts[0] == "oprisk" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_no_wrong_way_imports(layer):
    bad = []
    for path in (SRC / layer).rglob("*.py"):
        wrong = oprisk_imports(path) - ALLOWED[layer] - {layer, "errors"}
        if wrong:
            bad.append(f"{path.relative_to(SRC)} imports oprisk.{', oprisk.'.join(sorted(wrong))}")
    assert not bad, "wrong-way imports:\n" + "\n".join(bad)


def test_reading_and_validating_files_needs_no_database():
    for name in PURE_INGEST:
        wrong = oprisk_imports(SRC / "ingest" / name) - {"domain", "ingest", "errors"}
        assert not wrong, f"ingest/{name} imports oprisk.{wrong}"


def test_capital_never_touches_the_database():
    for path in (SRC / "capital").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "sqlalchemy" not in text, f"{path} imports sqlalchemy"


def test_architecture_md_names_every_package():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    packages = [p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    missing = [p for p in packages if f"`{p}/`" not in text]
    assert not missing, f"ARCHITECTURE.md does not describe: {missing}"
