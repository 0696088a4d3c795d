"""Judgement files: the TOML template format and a CSV of pairwise judgements.

:func:`read_judgements` parses either into a :class:`JudgementSet` — the hierarchy, one or more
experts' judgements, the settings (scale, method, CR limit, score scale) and optional unit scores
— without touching anything else. :func:`load_template` reads a shipped template by name
(``"supervision"``) or a TOML file by path. See ``docs/assess.md`` for both formats.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from oprisk.assess.ahp import Method
from oprisk.assess.errors import AssessmentError, JudgementFileError
from oprisk.assess.hierarchy import Hierarchy, Node, build_tree
from oprisk.assess.matrix import PairwiseMatrix, aggregate_judgements
from oprisk.assess.scale import Scale, parse_judgement
from oprisk.assess.scores import ScoreScale
from oprisk.errors import invalid

TEMPLATES: tuple[str, ...] = ("supervision",)
_CSV_COLUMNS = ("node", "row", "col", "value")


@dataclass(frozen=True)
class Expert:
    """One expert's judgements: ``{node id: PairwiseMatrix over its children}``."""

    id: str
    weight: float
    matrices: Mapping[str, PairwiseMatrix] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "weight": self.weight,
            "judgements": {
                k: [[r, c, v] for (r, c), v in m.judgements().items()]
                for k, m in self.matrices.items()
                if m.n > 1
            },
        }


@dataclass(frozen=True)
class JudgementSet:
    """Everything an assessment needs before computing: hierarchy, experts, settings, scores."""

    root: Node
    experts: tuple[Expert, ...]
    scale: Literal["saaty", "any"] = "saaty"
    method: Method = "eigenvector"
    cr_limit: float | None = 0.1
    score_scale: ScoreScale = "0-100"
    scores: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    source: str = ""

    def __repr__(self) -> str:
        where = f" from {self.source!r}" if self.source else ""
        return (
            f"<JudgementSet {self.id!r}{where}: {len(self.experts)} expert(s), scale {self.scale}, "
            f"{self.method}, CR limit {self.cr_limit}>"
        )

    @property
    def id(self) -> str:
        return self.root.id

    def hierarchy(self) -> Hierarchy:
        """The hierarchy with the experts' judgements combined (weighted geometric mean)."""
        if len(self.experts) == 1:
            return Hierarchy(self.root, self.experts[0].matrices)
        weights = [e.weight for e in self.experts]
        combined = {
            node: aggregate_judgements([e.matrices[node] for e in self.experts], weights, name=node)
            for node in self.experts[0].matrices
        }
        return Hierarchy(self.root, combined)

    @classmethod
    def from_hierarchy(
        cls, hierarchy: Hierarchy, *, expert: str = "expert", **settings: Any
    ) -> JudgementSet:
        """A one-expert set from a :class:`Hierarchy` built in code."""
        return cls(hierarchy.root, (Expert(expert, 1.0, hierarchy.matrices),), **settings)


def _scale_arg(scale: str) -> Scale:
    return "saaty" if scale == "saaty" else None


def _expert(
    root: Node, expert_id: str, weight: Any, raw: Mapping[str, Any], scale: str, where: str
) -> Expert:
    try:
        w = float(weight)
    except (TypeError, ValueError):
        w = float("nan")
    if not (w >= 0 and w != float("inf")):
        raise JudgementFileError(
            invalid(
                f"{where}: weight of expert {expert_id!r}", weight, "must be a non-negative number"
            )
        )
    judgements: dict[str, dict[tuple[str, str], Any]] = {}
    for node, rows in raw.items():
        pairs: dict[tuple[str, str], Any] = {}
        for k, row in enumerate(rows):
            if not isinstance(row, Sequence) or isinstance(row, str) or len(row) != 3:
                raise JudgementFileError(
                    invalid(
                        f"{where}: judgements[{node!r}][{k}] of expert {expert_id!r}",
                        row,
                        "must be [row, col, value]",
                    )
                )
            key = (str(row[0]), str(row[1]))
            if key in pairs:
                raise JudgementFileError(
                    invalid(
                        f"{where}: judgement {key} of {node!r} by expert {expert_id!r}",
                        row[2],
                        "is given twice",
                    )
                )
            pairs[key] = row[2]
        judgements[str(node)] = pairs
    try:
        hierarchy = Hierarchy(root, judgements, scale=_scale_arg(scale))
    except AssessmentError as exc:
        raise type(exc)(f"{where}: expert {expert_id!r}: {exc}") from None
    return Expert(expert_id, w, hierarchy.matrices)


def _settings(meta: Mapping[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    checks: dict[str, tuple[Any, ...]] = {
        "scale": ("saaty", "any"),
        "method": ("eigenvector", "geometric_mean"),
        "score_scale": ("0-100", "1-5"),
    }
    for key, allowed in checks.items():
        if key in meta:
            if meta[key] not in allowed:
                raise JudgementFileError(
                    invalid(
                        f"{where}: assessment.{key}", meta[key], f"must be one of {list(allowed)}"
                    )
                )
            out[key] = meta[key]
    if "cr_limit" in meta:
        limit = meta["cr_limit"]
        if isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 0:
            raise JudgementFileError(
                invalid(f"{where}: assessment.cr_limit", limit, "must be a non-negative number")
            )
        out["cr_limit"] = float(limit)
    return out


def parse_toml(text: str, *, source: str = "<string>") -> JudgementSet:
    """Parse judgement-file TOML (the template format) into a :class:`JudgementSet`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise JudgementFileError(f"{source}: not valid TOML: {exc}") from exc
    meta = data.get("assessment", {})
    if not isinstance(meta, dict) or "id" not in meta:
        raise JudgementFileError(
            invalid(
                f"{source}: assessment.id",
                meta.get("id") if isinstance(meta, dict) else meta,
                "must name the goal",
            )
        )
    settings = _settings(meta, source)
    records = data.get("nodes", [])
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise JudgementFileError(
            invalid(
                f"{source}: nodes", type(records).__name__, "must be an array of tables [[nodes]]"
            )
        )
    try:
        root = build_tree(
            Node(str(meta["id"]), str(meta.get("name", "")), str(meta.get("name_zh", ""))), records
        )
    except AssessmentError as exc:
        raise JudgementFileError(f"{source}: {exc}") from None
    scale = settings.get("scale", "saaty")
    raw_experts = data.get("experts")
    if raw_experts is None and "judgements" in data:
        raw_experts = [
            {
                "id": str(meta.get("assessor", "expert")),
                "weight": 1.0,
                "judgements": data["judgements"],
            }
        ]
    if not raw_experts:
        raise JudgementFileError(
            invalid(
                f"{source}: experts", None, "must give judgements ([judgements] or [[experts]])"
            )
        )
    experts = []
    for k, e in enumerate(raw_experts):
        if not isinstance(e, dict) or not isinstance(e.get("judgements"), dict):
            raise JudgementFileError(
                invalid(
                    f"{source}: experts[{k}].judgements",
                    None,
                    "must be a table of node = [[row, col, value], …]",
                )
            )
        experts.append(
            _expert(
                root,
                str(e.get("id", f"expert-{k + 1}")),
                e.get("weight", 1.0),
                e["judgements"],
                scale,
                source,
            )
        )
    ids = [e.id for e in experts]
    if len(set(ids)) != len(ids):
        raise JudgementFileError(invalid(f"{source}: expert ids", ids, "must be unique"))
    scores = None
    if "scores" in data:
        if not isinstance(data["scores"], dict) or not all(
            isinstance(v, dict) for v in data["scores"].values()
        ):
            raise JudgementFileError(
                invalid(
                    f"{source}: scores", None, "must be tables [scores.<unit>] of indicator = score"
                )
            )
        scores = pd.DataFrame.from_dict(data["scores"], orient="index")
        scores.index.name = "unit"
    return JudgementSet(root, tuple(experts), scores=scores, source=source, **settings)


def parse_csv(
    text: str, *, source: str = "<string>", scale: Literal["saaty", "any"] = "saaty"
) -> JudgementSet:
    """Parse a CSV of judgements with columns ``node,row,col,value`` (optional ``expert,weight``).

    The hierarchy is inferred: each ``node`` compares the ``row``/``col`` elements (its children,
    in order of first appearance); the goal is the one node that is nobody's child. Names default
    to ids, so use TOML when you want English and Chinese labels.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [str(h).strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in _CSV_COLUMNS if c not in header]
    if missing:
        raise JudgementFileError(
            invalid(
                f"{source}: columns",
                header,
                f"must include {list(_CSV_COLUMNS)}; missing {missing}",
            )
        )
    children: dict[str, list[str]] = {}
    by_expert: dict[str, dict[str, list[list[Any]]]] = {}
    expert_weight: dict[str, str] = {}
    for line, raw in enumerate(reader, start=2):
        row = {str(k).strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        for c in _CSV_COLUMNS:
            if not row.get(c):
                raise JudgementFileError(
                    invalid(f"{source}, line {line}: {c}", row.get(c), "must not be empty")
                )
        node, a, b = row["node"], row["row"], row["col"]
        kids = children.setdefault(node, [])
        kids.extend(x for x in (a, b) if x not in kids)
        expert = row.get("expert") or "expert"
        if row.get("weight") and expert_weight.setdefault(expert, row["weight"]) != row["weight"]:
            raise JudgementFileError(
                invalid(
                    f"{source}, line {line}: weight of {expert!r}",
                    row["weight"],
                    f"must match {expert_weight[expert]!r} given before",
                )
            )
        try:
            value = parse_judgement(row["value"], f"{source}, line {line}: value")
        except AssessmentError as exc:
            raise JudgementFileError(str(exc)) from None
        by_expert.setdefault(expert, {}).setdefault(node, []).append([a, b, value])
    if not children:
        raise JudgementFileError(
            invalid(f"{source}", "no rows", "must contain at least one judgement")
        )
    all_kids = {k for kids in children.values() for k in kids}
    roots = [n for n in children if n not in all_kids]
    if len(roots) != 1:
        raise JudgementFileError(
            invalid(f"{source}: goal", roots, "must be exactly one node that is nobody's child")
        )
    records = [{"id": k, "parent": p} for p, kids in children.items() for k in kids]
    try:
        root = build_tree(Node(roots[0]), records)
    except AssessmentError as exc:
        raise JudgementFileError(f"{source}: {exc}") from None
    experts = tuple(
        _expert(root, e, expert_weight.get(e, 1.0), j, scale, source) for e, j in by_expert.items()
    )
    return JudgementSet(root, experts, scale=scale, source=source)


def read_judgements(path: str | Path, *, scale: Literal["saaty", "any"] = "saaty") -> JudgementSet:
    """Read a judgement file: ``.toml`` (template format) or ``.csv`` (``node,row,col,value``).

    ``scale`` applies to CSV only; a TOML file declares its own in ``[assessment]``. Reading is
    the only side effect; file-system errors (``FileNotFoundError`` …) propagate unchanged.
    """
    p = Path(path)
    text = p.read_text(encoding="utf-8-sig")
    suffix = p.suffix.lower()
    if suffix == ".toml":
        return parse_toml(text, source=str(p))
    if suffix == ".csv":
        return parse_csv(text, source=str(p), scale=scale)
    raise JudgementFileError(invalid("path", str(p), "must end in .toml or .csv"))


def load_template(name_or_path: str | Path = "supervision") -> JudgementSet:
    """A shipped template by name (``"supervision"``) or a TOML judgement file by path."""
    if isinstance(name_or_path, str) and name_or_path in TEMPLATES:
        text = (
            resources.files("oprisk.assess")
            .joinpath(f"templates/{name_or_path}.toml")
            .read_text(encoding="utf-8")
        )
        return parse_toml(text, source=f"template:{name_or_path}")
    p = Path(name_or_path)
    if p.suffix.lower() != ".toml":
        raise JudgementFileError(
            invalid(
                "template",
                str(name_or_path),
                f"must be one of {list(TEMPLATES)} or a path to a .toml file",
            )
        )
    return read_judgements(p)
