"""Dependencies point one way (design.md §1), and ARCHITECTURE.md names every package."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "oprisk"
ROOT = SRC.parents[1]

#: what each layer may import from oprisk (besides itself and oprisk.errors); oprisk.safefiles
#: (atomic writes, file modes, CSV escaping) sits at the bottom with errors, below the store
ALLOWED = {
    "domain": set(),
    "store": {"domain", "safefiles"},
    "projections": {"domain", "store", "safefiles"},
    "capital": {"domain"},
    "assess": {"domain"},
}
#: the pure half of ingestion (reading, mapping, validating) stays free of the database
PURE_INGEST = ("readers.py", "mapping.py", "rows.py", "rejects.py")


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
        wrong = oprisk_imports(SRC / "ingest" / name) - {"domain", "ingest", "errors", "safefiles"}
        assert not wrong, f"ingest/{name} imports oprisk.{wrong}"


def test_safefiles_imports_nothing_of_ours():
    assert oprisk_imports(SRC / "safefiles.py") == set()


def test_capital_never_touches_the_database():
    for path in (SRC / "capital").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "sqlalchemy" not in text, f"{path} imports sqlalchemy"


def cli_imports(path: Path) -> set[str]:
    """The oprisk.cli modules a file imports (``from oprisk.cli import x`` names the package and,
    when x is a module of it, that module too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("oprisk.cli")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("oprisk.cli"):
            found.add(node.module or "")
            if node.module == "oprisk.cli":
                found |= {f"oprisk.cli.{a.name}" for a in node.names if is_cli_module(a.name)}
    return found


def is_cli_module(name: str) -> bool:
    return (SRC / "cli" / f"{name}.py").exists()


def test_cli_modules_never_import_their_importer():
    """oprisk.cli (the package) assembles the command modules; they share options.py and
    output.py; no import cycle, and nothing below the CLI imports it."""
    graph = {}
    for path in SRC.rglob("*.py"):
        name = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        imports = cli_imports(path) - {name}
        if not name.startswith("oprisk.cli"):
            assert not imports, f"{name} imports the command line: {imports}"
        graph[name] = imports
    for module in (m for m in graph if m != "oprisk.cli" and m.startswith("oprisk.cli")):
        assert "oprisk.cli" not in graph[module], f"{module} imports its importer oprisk.cli"
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", "import cycle: " + " -> ".join([*trail, module])
        state[module] = "open"
        for target in graph.get(module, ()):
            visit(target, [*trail, module])
        state[module] = "done"

    for module in graph:
        visit(module, [])


def test_architecture_md_names_every_package():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    packages = [p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    missing = [p for p in packages if f"`{p}/`" not in text]
    assert not missing, f"ARCHITECTURE.md does not describe: {missing}"
