"""The fact registry lists every fact class once, and the pure packages import without cycles."""

import ast
from pathlib import Path

import pytest

import oprisk.domain.assessments
import oprisk.domain.events
from oprisk.domain.events import REGISTRY, fact_from
from oprisk.domain.fact import Fact

SRC = Path(__file__).resolve().parents[2] / "src" / "oprisk"


def subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub, *subclasses(sub)}
    return out


def test_registry_lists_every_fact_class_of_the_domain():
    defined = {cls for cls in subclasses(Fact) if cls.__module__.startswith("oprisk.domain.")}
    assert set(REGISTRY.values()) == defined
    assert all(name == cls.event_type for name, cls in REGISTRY.items())
    assert "assessment.recorded" in REGISTRY


def test_registry_names_are_the_stored_ones():
    # The names are in the log and in its hash chain: a rename is a schema change, not a refactor.
    assert sorted(REGISTRY) == [
        "assessment.recorded",
        "external_loss.recorded",
        "financials.recorded",
        "fx_rate.recorded",
        "loss_event.amended",
        "loss_event.approved",
        "loss_event.closed",
        "loss_event.excluded",
        "loss_event.exclusion_requested",
        "loss_event.impact_recorded",
        "loss_event.linked",
        "loss_event.reclassified",
        "loss_event.recovery_recorded",
        "loss_event.rejected",
        "loss_event.reopened",
        "loss_event.reopening_requested",
        "loss_event.reported",
        "loss_event.request_approved",
        "loss_event.request_rejected",
        "loss_event.returned_to_review",
        "loss_event.submitted",
        "loss_event.withdrawal_requested",
        "loss_event.withdrawn",
        "policy.approval_threshold_set",
        "principal.added",
        "principal.revoked",
        "principal.token_rotated",
        "scenario.approved",
        "scenario.recorded",
        "scenario.withdrawn",
    ]
    assert {cls.schema_version for cls in REGISTRY.values()} == {1}


def test_fact_from_rebuilds_the_assessment_fact():
    payload = {
        "unit": "branch-1",
        "assessed_on": "2025-06-30",
        "assessor": None,
        "composite": 71.5,
        "consistency_ratio": 0.04,
        "record": {"schema": "oprisk.assessment/1"},
    }
    f = fact_from("assessment.recorded", payload)
    assert isinstance(f, oprisk.domain.assessments.AssessmentRecorded)
    assert f.payload() == payload


def module_of(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``path`` imports (``from pkg import mod`` counts as ``mod``)."""
    package = module_of(path) if path.name == "__init__.py" else module_of(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}
    return found & known


@pytest.mark.parametrize("package", ["domain", "assess", "capital"])
def test_no_import_cycles(package):
    # capital/lda is its own package with its own tests; the top-level capital modules are checked.
    paths = [
        p for p in (SRC / package).rglob("*.py") if "lda" not in p.relative_to(SRC / package).parts
    ]
    graph = {module_of(p): imported_modules(p, {module_of(q) for q in paths}) for p in paths}
    for name, deps in graph.items():  # a package's __init__ may import its modules
        graph[name] = {d for d in deps if not name.startswith(d + ".")}

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return [*path, nxt]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [c for c in map(cycle_from, sorted(graph)) if c]
    assert not cycles, "import cycles:\n" + "\n".join(" → ".join(c) for c in cycles)
