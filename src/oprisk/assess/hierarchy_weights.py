"""Local and global weights of a hierarchy's nodes and Saaty's hierarchic consistency ratio.

:func:`weigh_hierarchy` gives each node of a :class:`~oprisk.assess.hierarchy.Hierarchy` its
local weight (within its parent) and its global weight (the product of local weights along the
path from the goal), and Saaty's hierarchic consistency ratio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from oprisk.assess.ahp import Method, PriorityResult, inconsistency_message, weigh
from oprisk.assess.hierarchy import Hierarchy
from oprisk.errors import InconsistentJudgementError


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

    def __repr__(self) -> str:
        leaves = len(self.hierarchy.leaves)
        return (
            f"<HierarchyWeights {self.hierarchy.root.id!r}: {len(self.global_weights)} nodes, "
            f"{leaves} indicators, CR {self.consistency_ratio:.4f} (limit {self.cr_limit}), "
            f"{self.method}>"
        )

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
                inconsistency_message(
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
