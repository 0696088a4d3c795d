"""The facts of scenario analysis and external loss data (ICAAP / Pillar 2 data elements).

A scenario is one stream, ``scenario-{scenario_id}`` (stream type ``scenario``):

| fact | carries |
|---|---|
| ``scenario.recorded`` | the whole scenario as agreed in its workshop (unit of measure, workshop date, owner, participants, narrative, frequency with its range, severity points), its revision number and the reason for a revision |
| ``scenario.approved`` | the revision approved and the approver (four eyes: not the revision's author) |
| ``scenario.withdrawn`` | the reason; a withdrawal is a fact, never a deletion |

An external loss (consortium or public data) is one stream, ``external_loss-{source}-{external_id}``
(stream type ``external_loss``) with ``external_loss.recorded`` facts: a later fact revises the
loss. External losses never enter the read models of internal losses, so they never reach the loss
component, C 17 or an internal LDA (docs/scenarios.md).

Severity points are stated either at a return period (``1-in-T`` years) or at a severity quantile;
the convention that links the two is in :mod:`oprisk.domain.scenario_rules`.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from oprisk.domain.fact import Amount, Fact, fact

#: Stream types (the loss-event read models ignore both).
SCENARIO = "scenario"
EXTERNAL_LOSS = "external_loss"


def scenario_stream(scenario_id: str) -> str:
    return f"scenario-{scenario_id}"


def external_stream(source: str, external_id: str) -> str:
    return f"external_loss-{source}-{external_id}"


class SeverityPoint(BaseModel):
    """One severity estimate: ``amount`` at a return period (years) or at a severity quantile.

    Exactly one of ``return_period`` and ``quantile`` is stated; the other is derived when read.
    ``label`` is the workshop's own name for the point ("typical", "1-in-50", "严重").
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    label: str = ""
    return_period: Amount | None = None
    quantile: Amount | None = None
    amount: Amount


@fact("scenario.recorded")
class ScenarioRecorded(Fact):
    """A scenario as agreed in its workshop; ``revision`` counts from 1."""

    scenario_id: str
    revision: int
    #: the Basel level-1 event type (``event_type`` in the payload; the class attribute
    #: ``event_type`` is the fact's name)
    event_type_code: str | None = Field(default=None, alias="event_type")
    business_line: str | None = None
    title: str
    narrative: str = ""
    workshop_on: date
    owner: str
    participants: tuple[str, ...] = ()
    frequency: Amount
    frequency_low: Amount | None = None
    frequency_high: Amount | None = None
    currency: str
    severities: tuple[SeverityPoint, ...]
    recorded_by: str
    reason: str = ""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True
    )


@fact("scenario.approved")
class ScenarioApproved(Fact):
    approved_by: str
    revision: int


@fact("scenario.withdrawn")
class ScenarioWithdrawn(Fact):
    withdrawn_by: str
    reason: str


@fact("external_loss.recorded")
class ExternalLossRecorded(Fact):
    """One external loss as reported by its source, with what is needed to scale and truncate it.

    ``size_indicator`` (the reporting institution's size: BI, gross income …) and ``threshold``
    (the source's collection threshold) are in ``reference_currency``.
    """

    external_id: str
    source: str
    occurred_on: date
    event_type_code: str = Field(alias="event_type")
    event_type_l2: str | None = None
    business_line: str | None = None
    business_line_l2: str | None = None
    amount: Amount
    currency: str
    size_indicator: Amount | None = None
    threshold: Amount | None = None
    reference_currency: str
    institution: str = ""
    description: str = ""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True
    )
