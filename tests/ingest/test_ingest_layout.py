"""The ingest package stays a set of small modules without import cycles (issue #13)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

INGEST = Path(__file__).resolve().parents[2] / "src" / "oprisk" / "ingest"


def _imports(path: Path) -> set[str]:
    """The ``oprisk.ingest`` modules a module imports at run time (``TYPE_CHECKING`` blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        parts = node.module.split(".")
        if parts[:2] == ["oprisk", "ingest"] and len(parts) == 3:
            found.add(parts[2])
    return found


def test_no_import_cycle_inside_ingest() -> None:
    graph = {p.stem: _imports(p) for p in INGEST.glob("*.py")}
    assert graph["load"] >= {"incidents", "movements", "financials"}  # the parser sees imports
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph.get(name, ())):
            if state.get(dep) == 1:
                pytest.fail("import cycle: " + " → ".join([*path, name, dep]))
            if dep not in state:
                visit(dep, [*path, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


@pytest.mark.parametrize("path", sorted(INGEST.glob("*.py")), ids=lambda p: p.name)
def test_modules_stay_small(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= 400, f"{path.name} has {lines} lines; split it by concept"
