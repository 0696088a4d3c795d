"""The architecture holds: import-linter's contracts (pyproject.toml), no import cycle, small
modules, and an ARCHITECTURE.md that names every package and layer."""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp

SRC = Path(__file__).resolve().parents[1] / "src" / "oprisk"
ROOT = SRC.parents[1]
MAX_LINES = 450


def test_import_contracts_are_kept() -> None:
    """Every contract in ``[tool.importlinter]`` holds (the layers, the pure packages, no cycles)."""
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    assert code == 0, "import-linter found a broken contract: run `lint-imports` for the details"


def _strongly_connected(adjacency: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(adjacency):
        if start in index:
            continue
        work = [(start, iter(sorted(adjacency[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(adjacency.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    group.append(m)
                    if m == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_module_imports_a_module_that_imports_it() -> None:
    """No import cycle anywhere in ``src/oprisk``, counting imports made only for type checking
    and imports inside functions (a cycle of modules, not only of sibling packages)."""
    graph = grimp.build_graph("oprisk", cache_dir=None)
    adjacency = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    cycles = _strongly_connected(adjacency)
    assert not cycles, "modules that import each other:\n" + "\n".join(map(str, cycles))


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]
    ]
    assert _strongly_connected({"a": {"b"}, "b": set()}) == []


def test_modules_are_small() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by concept): {long}"


def test_architecture_md_names_every_package_and_layer() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    packages = [p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    missing = [p for p in packages if f"`{p}/`" not in text]
    assert not missing, f"ARCHITECTURE.md does not describe: {missing}"
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(
        c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    )
    names = {
        part.strip(" ()").removeprefix("oprisk.")
        for layer in layers
        for part in layer.replace(":", "|").split("|")
    }
    unnamed = sorted(n for n in names if n not in text)
    assert not unnamed, f"ARCHITECTURE.md's layer diagram does not name: {unnamed}"


def test_only_entry_points_import_the_facade() -> None:
    """Nothing imports ``oprisk.api`` except the package root, the CLI, the HTTP layer and the
    demo: the use cases take ports."""
    graph = grimp.build_graph("oprisk", cache_dir=None)
    allowed = ("oprisk.cli", "oprisk.http", "oprisk.demo")
    wrong = sorted(
        m
        for m in graph.find_modules_that_directly_import("oprisk.api")
        if m != "oprisk" and not m.startswith(allowed)
    )
    assert not wrong, f"oprisk.api is imported by {wrong}"
