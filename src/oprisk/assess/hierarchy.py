"""Indicator hierarchies: local and composite weights, hierarchic consistency, unit scores.

A :class:`Hierarchy` is a tree of :class:`Node` s (goal → criteria → sub-criteria → … →
indicators, any depth) with one :class:`~oprisk.assess.ahp.PairwiseMatrix` per node that has two
or more children. :func:`weigh_hierarchy` gives each node its local weight (within its parent)
and its global weight (the product of local weights along the path from the goal), and Saaty's
hierarchic consistency ratio. :func:`score_units` rolls indicator scores up to a composite score
per unit, and :func:`control_environment_factor` turns that score into a severity multiplier.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from oprisk.assess.ahp import (
    Judgement,
    Method,
    PairwiseMatrix,
    PriorityResult,
    Scale,
    _inconsistency_message,
    weigh,
)
from oprisk.assess.errors import HierarchyError, InvalidScoreError, MatrixShapeError
from oprisk.errors import InconsistentJudgementError, invalid

ScoreScale = Literal["0-100", "1-5"]
_T = TypeVar("_T", float, np.ndarray, pd.Series)


@dataclass(frozen=True)
class Node:
    """One node of an indicator hierarchy; a node without children is an indicator."""

    id: str
    name: str = ""
    name_zh: str = ""
    children: tuple[Node, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def label(self, lang: Literal["en", "zh", "id"] = "en") -> str:
        if lang == "zh" and self.name_zh:
            return self.name_zh
        if lang == "en" and self.name:
            return self.name
        return self.id

    def walk(
        self, depth: int = 0, parent: Node | None = None
    ) -> Iterator[tuple[Node, int, Node | None]]:
        """Depth-first, parents before children: ``(node, depth, parent)``."""
        yield self, depth, parent
        for child in self.children:
            yield from child.walk(depth + 1, self)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "name_zh": self.name_zh}
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Node:
        return cls(
            str(data["id"]),
            str(data.get("name", "")),
            str(data.get("name_zh", "")),
            tuple(cls.from_dict(c) for c in data.get("children", ())),
        )


def build_tree(root: Node, records: Iterable[Mapping[str, Any]]) -> Node:
    """A tree from flat records ``{id, parent?, name?, name_zh?}`` in file order.

    A record without ``parent`` hangs under ``root``; children keep the order of the records.
    """
    rows = list(records)
    ids = [root.id] + [str(r.get("id", "")) for r in rows]
    for r, node_id in zip(rows, ids[1:], strict=True):
        if not node_id:
            raise HierarchyError(invalid("node.id", r.get("id"), "must be a non-empty string"))
    dupes = sorted({x for x in ids if ids.count(x) > 1})
    if dupes:
        raise HierarchyError(invalid("node ids", dupes, "must be unique in the hierarchy"))
    children: dict[str, list[str]] = {i: [] for i in ids}
    for r in rows:
        parent = str(r.get("parent") or root.id)
        if parent not in children:
            raise HierarchyError(
                invalid(f"parent of {r['id']!r}", parent, f"must be a node id, one of {ids}")
            )
        children[parent].append(str(r["id"]))
    info = {str(r["id"]): r for r in rows}

    def make(node_id: str, seen: frozenset[str]) -> Node:
        kids = tuple(make(c, seen | {c}) for c in children[node_id] if c not in seen)
        if node_id == root.id:
            return Node(root.id, root.name, root.name_zh, kids)
        r = info[node_id]
        return Node(node_id, str(r.get("name", "")), str(r.get("name_zh", "")), kids)

    tree = make(root.id, frozenset({root.id}))
    reached = {n.id for n, _, _ in tree.walk()}
    if len(reached) != len(ids):
        raise HierarchyError(
            invalid(
                "nodes", sorted(set(ids) - reached), "are not reachable from the goal (a cycle?)"
            )
        )
    return tree


class Hierarchy:
    """An indicator tree with the judgements for every node that has two or more children.

    Parameters
    ----------
    root
        The goal node.
    judgements
        ``{node id: PairwiseMatrix}`` or ``{node id: {(row, col): value}}`` over that node's
        children (upper triangle suffices). Nodes with one child need none.
    scale, rtol
        Passed to :meth:`PairwiseMatrix.from_judgements` for judgements given as mappings.
    """

    __slots__ = ("_by_id", "_matrices", "_parent", "_root")

    def __init__(
        self,
        root: Node,
        judgements: Mapping[str, PairwiseMatrix | Mapping[tuple[str, str], Judgement]],
        *,
        scale: Scale = "saaty",
        rtol: float = 0.05,
    ) -> None:
        by_id: dict[str, Node] = {}
        parent: dict[str, str | None] = {}
        for node, _, up in root.walk():
            if node.id in by_id:
                raise HierarchyError(invalid("node id", node.id, "must be unique in the hierarchy"))
            by_id[node.id], parent[node.id] = node, None if up is None else up.id
        unknown = sorted(set(judgements) - set(by_id))
        if unknown:
            raise HierarchyError(
                invalid("judgements", unknown, f"must name nodes of the hierarchy {sorted(by_id)}")
            )
        matrices: dict[str, PairwiseMatrix] = {}
        for node_id, node in by_id.items():
            kids = [c.id for c in node.children]
            if not kids:
                if node_id in judgements:
                    raise HierarchyError(
                        invalid("judgements", node_id, "is an indicator (no children to compare)")
                    )
                continue
            given = judgements.get(node_id)
            if given is None:
                if len(kids) > 1:
                    raise HierarchyError(
                        invalid(
                            f"judgements[{node_id!r}]", None, f"must compare its children {kids}"
                        )
                    )
                matrices[node_id] = PairwiseMatrix.identity(kids, name=node_id)
                continue
            if isinstance(given, PairwiseMatrix):
                if sorted(given.labels) != sorted(kids):
                    raise MatrixShapeError(
                        invalid(
                            f"judgements[{node_id!r}].labels",
                            list(given.labels),
                            f"must be the children {kids}",
                        )
                    )
                matrices[node_id] = given.reorder(kids).renamed(node_id)
            else:
                matrices[node_id] = PairwiseMatrix.from_judgements(
                    kids, given, scale=scale, rtol=rtol, name=node_id
                )
        self._root, self._by_id, self._parent = root, by_id, parent
        self._matrices: Mapping[str, PairwiseMatrix] = MappingProxyType(matrices)

    @property
    def root(self) -> Node:
        return self._root

    @property
    def matrices(self) -> Mapping[str, PairwiseMatrix]:
        """The judgement matrix of every non-leaf node, children in tree order."""
        return self._matrices

    @property
    def leaves(self) -> tuple[Node, ...]:
        """The indicators, in tree order."""
        return tuple(n for n, _, _ in self._root.walk() if n.is_leaf)

    def nodes(self) -> Iterator[tuple[Node, int, Node | None]]:
        return self._root.walk()

    def node(self, node_id: str) -> Node:
        try:
            return self._by_id[node_id]
        except KeyError:
            raise HierarchyError(
                invalid("node", node_id, f"must be one of {sorted(self._by_id)}")
            ) from None

    def parent(self, node_id: str) -> str | None:
        return self._parent[self.node(node_id).id]

    def path(self, node_id: str) -> tuple[str, ...]:
        """Node ids from the goal down to ``node_id``."""
        out = [self.node(node_id).id]
        while (up := self._parent[out[-1]]) is not None:
            out.append(up)
        return tuple(reversed(out))

    def to_dict(self) -> dict[str, Any]:
        return {
            "tree": self._root.to_dict(),
            "judgements": {
                k: [[r, c, v] for (r, c), v in m.judgements().items()]
                for k, m in self._matrices.items()
                if m.n > 1
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, scale: Scale = "saaty") -> Hierarchy:
        judgements = {
            k: {(str(r), str(c)): v for r, c, v in rows}
            for k, rows in data.get("judgements", {}).items()
        }
        return cls(Node.from_dict(data["tree"]), judgements, scale=scale)

    def __repr__(self) -> str:
        return f"Hierarchy(root={self._root.id!r}, nodes={len(self._by_id)}, indicators={len(self.leaves)})"


# --- weights ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HierarchyWeights:
    """Local and global weights of every node, per-node and hierarchic consistency."""

    hierarchy: Hierarchy = field(repr=False, compare=False)
    method: Method
    cr_limit: float | None
    local: Mapping[str, PriorityResult] = field(repr=False)  # per non-leaf node
    local_weights: Mapping[str, float]  # node id → weight within its parent (goal: 1)
    global_weights: Mapping[str, float]  # node id → product of local weights along the path
    consistency_ratio: float  # Saaty's hierarchic CR_H
    level_consistency: Mapping[int, float] = field(repr=False)  # depth of the compared nodes → CR

    @property
    def indicator_weights(self) -> pd.Series:
        """Global weights of the indicators in tree order; they sum to 1."""
        leaves = self.hierarchy.leaves
        return pd.Series(
            [self.global_weights[n.id] for n in leaves], index=[n.id for n in leaves], name="weight"
        )

    def summary(self) -> pd.DataFrame:
        """One row per node: parent, level, names, local and global weight, CR of its own matrix."""
        rows = []
        for node, depth, up in self.hierarchy.nodes():
            pr = self.local.get(node.id)
            rows.append(
                {
                    "id": node.id,
                    "parent": None if up is None else up.id,
                    "level": depth,
                    "name": node.name,
                    "name_zh": node.name_zh,
                    "local_weight": self.local_weights[node.id],
                    "global_weight": self.global_weights[node.id],
                    "consistency_ratio": pr.consistency_ratio
                    if pr is not None and pr.n > 1
                    else np.nan,
                    "indicator": node.is_leaf,
                }
            )
        frame = pd.DataFrame(rows).set_index("id")
        frame.attrs["consistency_ratio"] = self.consistency_ratio
        frame.attrs["method"] = self.method
        return frame

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "cr_limit": self.cr_limit,
            "local_weights": dict(self.local_weights),
            "global_weights": dict(self.global_weights),
            "consistency_ratio": self.consistency_ratio,
            "level_consistency": {str(k): v for k, v in self.level_consistency.items()},
            "nodes": {
                k: {key: val for key, val in pr.to_dict().items() if key != "name"}
                for k, pr in self.local.items()
                if pr.n > 1
            },
        }

    def _repr_html_(self) -> str:
        head = f"<p>AHP weights ({self.method}); hierarchic CR = {self.consistency_ratio:.4f}</p>"
        return head + self.summary().to_html(float_format=lambda v: f"{v:.4f}", na_rep="")


def weigh_hierarchy(
    hierarchy: Hierarchy,
    *,
    method: Method = "eigenvector",
    cr_limit: float | None = 0.1,
    random_index: Mapping[int, float] | None = None,
) -> HierarchyWeights:
    """Local, global and hierarchic-consistency figures of a hierarchy.

    The hierarchic consistency ratio is Saaty's (1980) ratio for the whole hierarchy,
    CR_H = Σ_k g_k · CI_k / Σ_k g_k · RI_k, summed over every node k that has children, g_k its
    global weight (1 for the goal). ``level_consistency`` gives the same ratio restricted to the
    nodes at one depth (the per-level "层次总排序" check of the Chinese textbooks).

    Raises :class:`~oprisk.errors.InconsistentJudgementError` if any node's CR is above
    ``cr_limit`` (the first such node in tree order, naming its most inconsistent pair). CR_H
    needs no check of its own: it is a mediant of the node ratios CI_k/RI_k (nodes of order ≤ 2
    add 0 to both sums), so it never exceeds the largest node CR.
    """
    local: dict[str, PriorityResult] = {}
    local_w: dict[str, float] = {hierarchy.root.id: 1.0}
    global_w: dict[str, float] = {hierarchy.root.id: 1.0}
    num: dict[int, float] = {}
    den: dict[int, float] = {}
    for node, depth, _ in hierarchy.nodes():
        if node.is_leaf:
            continue
        pr = weigh(
            hierarchy.matrices[node.id], method=method, cr_limit=None, random_index=random_index
        )
        if cr_limit is not None and pr.consistency_ratio > cr_limit:
            raise InconsistentJudgementError(
                _inconsistency_message(
                    f"consistency ratio of {node.id!r}",
                    pr.consistency_ratio,
                    cr_limit,
                    pr.most_inconsistent,
                )
            )
        local[node.id] = pr
        g = global_w[node.id]
        for child, w in zip(node.children, pr.weights, strict=True):
            local_w[child.id] = w
            global_w[child.id] = g * w
        num[depth] = num.get(depth, 0.0) + g * pr.consistency_index
        den[depth] = den.get(depth, 0.0) + g * pr.random_index
    total_den = sum(den.values())
    cr_h = sum(num.values()) / total_den if total_den > 0 else 0.0
    levels = {d: (num[d] / den[d] if den[d] > 0 else 0.0) for d in sorted(num)}
    return HierarchyWeights(
        hierarchy=hierarchy,
        method=method,
        cr_limit=cr_limit,
        local=MappingProxyType(local),
        local_weights=MappingProxyType(local_w),
        global_weights=MappingProxyType(global_w),
        consistency_ratio=cr_h,
        level_consistency=MappingProxyType(levels),
    )


# --- unit scores ------------------------------------------------------------------------------


_BOUNDS: dict[str, tuple[float, float]] = {"0-100": (0.0, 100.0), "1-5": (1.0, 5.0)}


def to_percent(value: _T, scale: ScoreScale) -> _T:
    """A score on ``scale`` as 0–100: 1–5 is mapped linearly, 1 → 0, 3 → 50, 5 → 100."""
    lo, hi = _BOUNDS[scale]
    return (value - lo) / (hi - lo) * 100.0


@dataclass(frozen=True)
class UnitScores:
    """Indicator scores of several units rolled up the hierarchy (all on 0–100)."""

    scale: ScoreScale  # scale of the input scores
    raw: pd.DataFrame = field(repr=False, compare=False)  # units × indicators, as given
    node_scores: pd.DataFrame = field(repr=False, compare=False)  # units × every node, 0–100
    criteria: tuple[str, ...]  # the goal's children, the columns of summary()
    root: str

    @property
    def composite(self) -> pd.Series:
        return self.node_scores[self.root].rename("composite")

    def summary(self) -> pd.DataFrame:
        """Units × first-level criteria, plus ``composite`` (all 0–100)."""
        frame = self.node_scores[list(self.criteria)].copy()
        frame["composite"] = self.composite
        return frame

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scale": self.scale, "units": {}}
        for unit in self.node_scores.index:
            out["units"][str(unit)] = {
                "indicators": {str(k): float(v) for k, v in self.raw.loc[unit].items()},
                "nodes": {str(k): float(v) for k, v in self.node_scores.loc[unit].items()},
                "composite": float(self.node_scores.loc[unit, self.root]),
            }
        return out

    def _repr_html_(self) -> str:
        return self.summary().to_html(float_format=lambda v: f"{v:.2f}")


def _resolve_columns(hierarchy: Hierarchy, columns: Iterable[Any]) -> dict[Any, str]:
    leaves = hierarchy.leaves
    lookup: dict[str, str] = {}
    for n in leaves:
        for key in (n.name_zh, n.name, n.id):  # ids win over names on a clash
            if key:
                lookup[key.strip()] = n.id
    mapping: dict[Any, str] = {}
    for col in columns:
        key = str(col).strip()
        if key not in lookup:
            raise InvalidScoreError(
                invalid(
                    "indicator", col, f"must be one of {[n.id for n in leaves]} (or their names)"
                )
            )
        if lookup[key] in mapping.values():
            raise InvalidScoreError(
                invalid("indicator", col, f"is given twice (as {lookup[key]!r})")
            )
        mapping[col] = lookup[key]
    missing = [n.id for n in leaves if n.id not in mapping.values()]
    if missing:
        raise InvalidScoreError(
            invalid("scores", sorted(map(str, mapping)), f"lacks the indicators {missing}")
        )
    return mapping


def score_units(
    weights: HierarchyWeights,
    scores: pd.DataFrame | Mapping[str, Mapping[str, float]],
    *,
    scale: ScoreScale = "0-100",
) -> UnitScores:
    """Roll indicator scores up to criterion and composite scores per unit.

    Parameters
    ----------
    weights
        From :func:`weigh_hierarchy`.
    scores
        Units × indicators: a DataFrame indexed by unit, or ``{unit: {indicator: score}}``.
        Indicators may be named by id, English or Chinese name; every indicator must be scored.
    scale
        ``"0-100"`` or ``"1-5"``. Scores on 1–5 are mapped linearly to 0–100 (1 → 0, 5 → 100)
        before rolling up, so every output is on 0–100.

    A node's score is the local-weighted mean of its children's scores, so the composite equals
    Σ global weight × indicator score.
    """
    if scale not in _BOUNDS:
        raise InvalidScoreError(invalid("scale", scale, "must be '0-100' or '1-5'"))
    frame = (
        scores.copy()
        if isinstance(scores, pd.DataFrame)
        else pd.DataFrame.from_dict(dict(scores), orient="index")
    )
    h = weights.hierarchy
    mapping = _resolve_columns(h, frame.columns)
    frame = frame.rename(columns=mapping)[[n.id for n in h.leaves]]
    lo, hi = _BOUNDS[scale]
    for unit, row in frame.iterrows():
        for ind, v in row.items():
            try:
                x = float(v)
            except (TypeError, ValueError):
                x = math.nan
            if not math.isfinite(x) or not lo <= x <= hi:
                raise InvalidScoreError(
                    invalid(
                        f"scores[{unit!r}, {ind!r}]",
                        v,
                        f"must be a number in [{lo:g}, {hi:g}] (scale {scale!r})",
                    )
                )
    frame = frame.astype(float)
    pct = {ind: to_percent(frame[ind], scale) for ind in frame.columns}
    values: dict[str, pd.Series] = dict(pct)
    for node, _, _ in reversed(list(h.nodes())):
        if node.is_leaf:
            continue
        pr = weights.local[node.id]
        values[node.id] = sum(
            (w * values[c.id] for c, w in zip(node.children, pr.weights, strict=True)),
            start=pd.Series(0.0, index=frame.index),
        )
    order = [n.id for n, _, _ in h.nodes()]
    node_scores = pd.DataFrame({k: values[k] for k in order}, index=frame.index)
    return UnitScores(scale, frame, node_scores, tuple(c.id for c in h.root.children), h.root.id)


def control_environment_factor(score: _T, *, lower: float, upper: float) -> _T:
    """A severity multiplier from a composite control score (0–100).

    ``factor = lower + (upper − lower) × (1 − score / 100)``: a perfect score (100) gives
    ``lower``, the worst (0) gives ``upper``. Neither bound has a default; the choice (e.g. 0.9
    and 1.1) is a modelling judgement to document and validate. Accepts a float, an array or a
    Series (e.g. :attr:`UnitScores.composite`).

    >>> round(control_environment_factor(75.0, lower=0.9, upper=1.1), 6)
    0.95
    """
    for name, b in (("lower", lower), ("upper", upper)):
        if isinstance(b, bool) or not isinstance(b, int | float) or not math.isfinite(b) or b <= 0:
            raise InvalidScoreError(invalid(name, b, "must be a positive finite number"))
    if lower > upper:
        raise InvalidScoreError(invalid("lower", lower, f"must not exceed upper = {upper}"))
    arr = np.asarray(score, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any((arr < 0) | (arr > 100)):
        raise InvalidScoreError(invalid("score", score, "must be in [0, 100]"))
    factor = lower + (upper - lower) * (1.0 - score / 100.0)
    if isinstance(score, float | int):
        return float(factor)
    return factor
