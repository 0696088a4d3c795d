"""The facts of the domain: past-tense, immutable, with stable names and schema versions.

The loss-event facts (``loss_event.*``), FX rates (``fx_rate.recorded``) and financial inputs
(``financials.recorded``) are defined here; :data:`REGISTRY` lists them with the assessment fact
(:mod:`oprisk.domain.assessments`) under their stable names. The base class and what a name and a
schema version mean are in :mod:`oprisk.domain.fact`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import ConfigDict, Field

from oprisk.domain.assessments import AssessmentRecorded
from oprisk.domain.fact import Amount, Fact, fact
from oprisk.domain.financial_items import FinancialItem
from oprisk.domain.principals import PrincipalAdded, PrincipalRevoked, PrincipalTokenRotated
from oprisk.domain.scenarios import (
    ExternalLossRecorded,
    ScenarioApproved,
    ScenarioRecorded,
    ScenarioWithdrawn,
)

ImpactKind = Literal["loss", "provision", "provision_release", "cost", "reversal"]
RecoveryKind = Literal["insurance", "other"]
#: changes that take effect only when a second actor approves them (four eyes)
RequestKind = Literal["exclusion", "withdrawal", "reopening"]

#: Impact kinds that increase (+1) or decrease (−1) the gross loss.
IMPACT_SIGN: dict[str, int] = {
    "loss": 1,
    "provision": 1,
    "cost": 1,
    "provision_release": -1,
    "reversal": -1,
}


# --- loss events ------------------------------------------------------------------------------


@fact("loss_event.reported")
class LossEventReported(Fact):
    event_id: str
    title: str
    description: str = ""
    event_type_code: str = Field(alias="event_type")
    cause: str
    business_line: str
    legal_entity: str = ""
    lei: str | None = None
    org_unit: str = ""
    occurred_on: date | None = None
    discovered_on: date
    currency: str
    near_miss: bool = False
    gain: bool = False
    credit_boundary: bool = False
    market_boundary: bool = False
    legal: bool = False
    source: str | None = None
    external_id: str | None = None
    reported_by: str

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True
    )


#: Descriptive fields an amendment may change (classification goes through reclassification).
AMENDABLE = (
    "title",
    "description",
    "legal_entity",
    "lei",
    "org_unit",
    "occurred_on",
    "discovered_on",
    "near_miss",
    "gain",
    "credit_boundary",
    "market_boundary",
    "legal",
)


@fact("loss_event.amended")
class LossEventAmended(Fact):
    changes: dict[str, Any]
    reason: str = ""


@fact("loss_event.reclassified")
class LossEventReclassified(Fact):
    event_type_code: str = Field(alias="event_type")
    cause: str
    business_line: str
    previous_event_type: str
    previous_cause: str
    previous_business_line: str
    reason: str = ""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True
    )


@fact("loss_event.impact_recorded")
class ImpactRecorded(Fact):
    line_id: str
    kind: ImpactKind
    amount: Amount
    currency: str
    accounted_on: date
    note: str = ""


@fact("loss_event.recovery_recorded")
class RecoveryRecorded(Fact):
    line_id: str
    kind: RecoveryKind
    amount: Amount
    currency: str
    accounted_on: date
    received: bool = True
    note: str = ""


@fact("loss_event.linked")
class LossEventLinked(Fact):
    root_event_id: str | None  # None: unlinked from its group


@fact("loss_event.submitted")
class LossEventSubmitted(Fact):
    submitted_by: str


@fact("loss_event.approved")
class LossEventApproved(Fact):
    approved_by: str
    #: the version of the event that was approved (facts recorded before it was kept: none,
    #: meaning the version before the approval)
    approved_version: int | None = None


@fact("loss_event.returned_to_review")
class LossEventReturnedToReview(Fact):
    """A material change (amount, classification) to an approved event: it needs approval again."""

    changed_by: str
    approved_version: int  # the version the withdrawn approval was given to
    reason: str


@fact("loss_event.rejected")
class LossEventRejected(Fact):
    rejected_by: str
    reason: str


@fact("loss_event.closed")
class LossEventClosed(Fact):
    reason: str = ""


@fact("loss_event.reopened")
class LossEventReopened(Fact):
    reason: str


@fact("loss_event.withdrawn")
class LossEventWithdrawn(Fact):
    reason: str


@fact("loss_event.excluded")
class LossEventExcluded(Fact):
    """A supervisory exclusion taking effect (since four eyes: right after its approval)."""

    approval_reference: str
    approved_on: date
    reason: str


# --- requests: changes that need a second actor's approval ------------------------------------


@fact("loss_event.exclusion_requested")
class ExclusionRequested(Fact):
    approval_reference: str
    approved_on: date  # the supervisor's approval date
    reason: str
    requested_by: str


@fact("loss_event.withdrawal_requested")
class WithdrawalRequested(Fact):
    reason: str
    requested_by: str


@fact("loss_event.reopening_requested")
class ReopeningRequested(Fact):
    reason: str
    requested_by: str


@fact("loss_event.request_approved")
class RequestApproved(Fact):
    """A second actor approved the pending request; the change's own fact follows."""

    request: RequestKind
    requested_by: str
    approved_by: str
    request_version: int  # the version of the request fact


@fact("loss_event.request_rejected")
class RequestRejected(Fact):
    request: RequestKind
    requested_by: str
    rejected_by: str
    reason: str


# --- other streams ----------------------------------------------------------------------------


@fact("fx_rate.recorded")
class FxRateRecorded(Fact):
    """``rate`` units of ``quote`` currency for one unit of ``currency``, on ``rate_date``."""

    currency: str
    quote: str
    rate_date: date
    rate: Amount


@fact("financials.recorded")
class FinancialItemRecorded(Fact):
    """A financial input for one legal entity and year; a later fact with the same key revises it."""

    legal_entity: str
    year: int
    item: FinancialItem
    business_line: str | None = None
    amount: Amount
    currency: str


@fact("policy.approval_threshold_set")
class ApprovalThresholdSet(Fact):
    """Loss events whose gross loss exceeds ``amount`` (in ``currency``) count in capital and
    exports only once approved; ``amount`` ``None`` switches the rule off (the default)."""

    amount: Amount | None
    currency: str


# --- the registry -----------------------------------------------------------------------------


def _registry(*classes: type[Fact]) -> dict[str, type[Fact]]:
    out: dict[str, type[Fact]] = {}
    for cls in classes:
        if cls.event_type in out:
            raise RuntimeError(f"fact name {cls.event_type!r} registered twice")
        out[cls.event_type] = cls
    return out


#: Every fact class by its stable name: what the store reads back (and upcasts) and the projector
#: applies. A new fact class must be listed here (``tests/domain/test_events.py`` checks it).
REGISTRY: dict[str, type[Fact]] = _registry(
    LossEventReported,
    LossEventAmended,
    LossEventReclassified,
    ImpactRecorded,
    RecoveryRecorded,
    LossEventLinked,
    LossEventSubmitted,
    LossEventApproved,
    LossEventRejected,
    LossEventClosed,
    LossEventReopened,
    LossEventWithdrawn,
    LossEventExcluded,
    LossEventReturnedToReview,
    ExclusionRequested,
    WithdrawalRequested,
    ReopeningRequested,
    RequestApproved,
    RequestRejected,
    FxRateRecorded,
    FinancialItemRecorded,
    ApprovalThresholdSet,
    AssessmentRecorded,
    PrincipalAdded,
    PrincipalTokenRotated,
    PrincipalRevoked,
    ScenarioRecorded,
    ScenarioApproved,
    ScenarioWithdrawn,
    ExternalLossRecorded,
)


def fact_from(event_type: str, payload: dict[str, Any]) -> Fact:
    """Rebuild a fact from its stored name and (already upcast) payload."""
    return REGISTRY[event_type].model_validate(payload)
