"""An assessment: judgements → weights and consistency → unit scores, as one recordable fact.

:func:`assess` runs the whole AHP on a :class:`~oprisk.assess.judgements.JudgementSet` and returns
an :class:`Assessment` whose :meth:`~Assessment.to_dict` is plain JSON (schema
``oprisk.assessment/1``, documented in ``docs/assess.md``) and whose
:meth:`~Assessment.from_dict` recomputes it from the stored inputs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from oprisk.assess.ahp import RANDOM_INDEX, weigh
from oprisk.assess.errors import AssessmentError
from oprisk.assess.hierarchy import Hierarchy, Node
from oprisk.assess.hierarchy_weights import HierarchyWeights, weigh_hierarchy
from oprisk.assess.judgements import Expert, JudgementSet
from oprisk.assess.matrix import PairwiseMatrix
from oprisk.assess.scale import Scale
from oprisk.assess.scores import UnitScores, score_units
from oprisk.errors import invalid

SCHEMA = "oprisk.assessment/1"


@dataclass(frozen=True)
class Assessment:
    """The outcome of :func:`assess`: inputs, weights, consistency and (optionally) unit scores."""

    judgements: JudgementSet = field(repr=False)
    weights: HierarchyWeights
    scores: UnitScores | None
    expert_consistency: Mapping[str, Mapping[str, float]] = field(repr=False)  # expert → node → CR
    random_index: Mapping[int, float] = field(repr=False)
    assessor: str | None = None
    assessed_on: date | None = None

    def __repr__(self) -> str:
        units = "no unit scores" if self.scores is None else f"{len(self.scores.composite)} unit(s)"
        on = f", assessed on {self.assessed_on}" if self.assessed_on else ""
        return (
            f"<Assessment {self.judgements.id!r}: {len(self.weights.global_weights)} nodes, "
            f"CR {self.weights.consistency_ratio:.4f}, {units}{on}>"
        )

    @property
    def composite(self) -> pd.Series | None:
        return None if self.scores is None else self.scores.composite

    def summary(self) -> pd.DataFrame:
        """The weights table (one row per node); unit scores are in ``scores.summary()``."""
        return self.weights.summary()

    def to_dict(self, unit: str | None = None) -> dict[str, Any]:
        """JSON-serialisable record; with ``unit``, only that unit's scores are kept."""
        js = self.judgements
        scores = None if self.scores is None else self.scores.to_dict()
        if scores is not None and unit is not None:
            if unit not in scores["units"]:
                raise AssessmentError(
                    invalid("unit", unit, f"must be one of {sorted(scores['units'])}")
                )
            scores["units"] = {unit: scores["units"][unit]}
        return {
            "schema": SCHEMA,
            "template": js.id,
            "source": js.source,
            "assessor": self.assessor,
            "assessed_on": None if self.assessed_on is None else self.assessed_on.isoformat(),
            "settings": {
                "scale": js.scale,
                "method": js.method,
                "cr_limit": js.cr_limit,
                "score_scale": js.score_scale,
                "random_index": {str(k): v for k, v in self.random_index.items()},
            },
            "hierarchy": js.root.to_dict(),
            "experts": [
                {**e.to_dict(), "consistency_ratios": dict(self.expert_consistency[e.id])}
                for e in js.experts
            ],
            "weights": self.weights.to_dict(),
            "scores": scores,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assessment:
        """Recompute an assessment from a :meth:`to_dict` record (inputs only are read)."""
        if data.get("schema") != SCHEMA:
            raise AssessmentError(invalid("schema", data.get("schema"), f"must be {SCHEMA!r}"))
        s = data["settings"]
        root = Node.from_dict(data["hierarchy"])
        scale: Scale = None if s["scale"] == "any" else "saaty"

        experts = tuple(
            Expert(
                e["id"],
                float(e["weight"]),
                Hierarchy(
                    root,
                    {k: {(r, c): v for r, c, v in rows} for k, rows in e["judgements"].items()},
                    scale=scale,
                ).matrices,
            )
            for e in data["experts"]
        )
        scores = None
        if data.get("scores"):
            scores = pd.DataFrame.from_dict(
                {u: d["indicators"] for u, d in data["scores"]["units"].items()}, orient="index"
            )
        js = JudgementSet(
            root, experts, scale=s["scale"], method=s["method"], cr_limit=s["cr_limit"],
            score_scale=s["score_scale"], scores=scores, source=data.get("source", ""),
        )  # fmt: skip
        on = data.get("assessed_on")
        return assess(
            js,
            random_index={int(k): float(v) for k, v in s["random_index"].items()},
            assessor=data.get("assessor"),
            assessed_on=None if on is None else date.fromisoformat(on),
        )

    def _repr_html_(self) -> str:
        who = f" by {self.assessor}" if self.assessor else ""
        when = f" on {self.assessed_on.isoformat()}" if self.assessed_on else ""
        html = f"<h4>Assessment {self.judgements.id}{who}{when}</h4>" + self.weights._repr_html_()
        if self.scores is not None:
            html += self.scores._repr_html_()
        return html


def assess(
    judgements: JudgementSet,
    scores: pd.DataFrame | Mapping[str, Mapping[str, float]] | None = None,
    *,
    random_index: Mapping[int, float] | None = None,
    assessor: str | None = None,
    assessed_on: date | None = None,
) -> Assessment:
    """Weights, consistency and unit scores for a set of judgements.

    The method, CR limit and score scale come from ``judgements`` (the file's ``[assessment]``
    table); change them with ``dataclasses.replace(judgements, cr_limit=None)``. ``scores``
    defaults to the scores in the file, if any. Each expert's own consistency ratios are reported
    (``expert_consistency``); the CR limit is applied to the combined judgements.

    Examples
    --------
    >>> from oprisk.assess import load_template
    >>> a = assess(load_template("supervision"))
    >>> round(sum(a.weights.indicator_weights), 12)
    1.0
    """
    table = dict(RANDOM_INDEX if random_index is None else random_index)
    hierarchy = judgements.hierarchy()
    weights = weigh_hierarchy(
        hierarchy, method=judgements.method, cr_limit=judgements.cr_limit, random_index=table
    )
    per_expert = {
        e.id: {
            node: weigh(
                m, method=judgements.method, cr_limit=None, random_index=table
            ).consistency_ratio
            for node, m in e.matrices.items()
            if isinstance(m, PairwiseMatrix) and m.n > 1
        }
        for e in judgements.experts
    }
    table_scores = judgements.scores if scores is None else scores
    unit_scores = None
    if table_scores is not None:
        unit_scores = score_units(weights, table_scores, scale=judgements.score_scale)
    return Assessment(
        judgements=dataclasses.replace(
            judgements, scores=None if unit_scores is None else unit_scores.raw
        ),
        weights=weights,
        scores=unit_scores,
        expert_consistency=per_expert,
        random_index=table,
        assessor=assessor,
        assessed_on=assessed_on,
    )
