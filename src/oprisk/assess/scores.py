"""Unit scores: indicator scores rolled up a weighted hierarchy, and the control-environment factor.

:func:`score_units` rolls indicator scores up to a composite score per unit, and
:func:`control_environment_factor` turns that score into a severity multiplier.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from oprisk.assess.errors import InvalidScoreError
from oprisk.assess.hierarchy import Hierarchy
from oprisk.assess.hierarchy_weights import HierarchyWeights
from oprisk.errors import invalid

ScoreScale = Literal["0-100", "1-5"]
_T = TypeVar("_T", float, np.ndarray, pd.Series)

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
