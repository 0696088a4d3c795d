"""The fact of a control-effectiveness (AHP) assessment: ``assessment.recorded``.

One fact per unit and assessment date, in stream ``assessment-{unit}`` (stream type
``assessment``). ``record`` is the unit's :meth:`oprisk.assess.Assessment.to_dict` record
(schema ``oprisk.assessment/1``): the judgements, settings, weights, consistency ratios and the
unit's scores, from which :meth:`~oprisk.assess.Assessment.from_dict` recomputes the assessment.
``composite`` and ``consistency_ratio`` (the hierarchic CR) are copied out for queries. A later
fact for the same unit and ``assessed_on`` revises the earlier one from its log position on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from oprisk.domain.fact import Fact, fact

#: Stream type of assessment facts (read models ignore it).
ASSESSMENT = "assessment"


def stream_id(unit: str) -> str:
    return f"assessment-{unit}"


@fact("assessment.recorded")
class AssessmentRecorded(Fact):
    """One unit's assessment on ``assessed_on``: the full record and its headline figures."""

    unit: str
    assessed_on: date
    assessor: str | None = None
    composite: float
    consistency_ratio: float
    record: dict[str, Any]
