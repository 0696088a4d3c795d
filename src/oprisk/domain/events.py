"""The facts of the domain: past-tense, immutable, with stable names and schema versions.

A fact's ``event_type`` is a stable dotted name stored in the log (never a Python path), and its
``schema_version`` says which payload shape it has; older shapes are upcast on read
(:mod:`oprisk.store.upcasting`). Payloads serialise to JSON with ``Decimal`` as strings and dates
in ISO form, so amounts round-trip exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

# Decimals are kept as strings in JSON (exact), never as floats.
Amount = Annotated[
    Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")
]

ImpactKind = Literal["loss", "provision", "provision_release", "cost", "reversal"]
RecoveryKind = Literal["insurance", "other"]

#: Impact kinds that increase (+1) or decrease (−1) the gross loss.
IMPACT_SIGN: dict[str, int] = {
    "loss": 1,
    "provision": 1,
    "cost": 1,
    "provision_release": -1,
    "reversal": -1,
}


class Fact(BaseModel):
    """Base class of every fact; subclasses set ``event_type`` and ``schema_version``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    def payload(self) -> dict[str, Any]:
        """The JSON-ready payload stored in the log (``model_dump(mode="json")``, called directly)."""
        return self.__pydantic_serializer__.to_python(self, mode="json")


REGISTRY: dict[str, type[Fact]] = {}
F = TypeVar("F", bound=Fact)


def fact(name: str, version: int = 1) -> Callable[[type[F]], type[F]]:
    """Register a fact class under its stable name."""

    def register(cls: type[F]) -> type[F]:
        if name in REGISTRY:
            raise RuntimeError(f"fact name {name!r} registered twice")
        cls.event_type, cls.schema_version = name, version
        REGISTRY[name] = cls
        return cls

    return register


def fact_from(event_type: str, payload: dict[str, Any]) -> Fact:
    """Rebuild a fact from its stored name and (already upcast) payload."""
    return REGISTRY[event_type].model_validate(payload)


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
    approval_reference: str
    approved_on: date
    reason: str


# --- other streams ----------------------------------------------------------------------------


@fact("fx_rate.recorded")
class FxRateRecorded(Fact):
    """``rate`` units of ``quote`` currency for one unit of ``currency``, on ``rate_date``."""

    currency: str
    quote: str
    rate_date: date
    rate: Amount


FinancialItem = Literal[
    "gross_income",
    "loans_and_advances",
    "interest_income",
    "interest_expense",
    "interest_earning_assets",
    "dividend_income",
    "fee_income",
    "fee_expense",
    "other_operating_income",
    "other_operating_expense",
    "net_pnl_trading_book",
    "net_pnl_banking_book",
]


@fact("financials.recorded")
class FinancialItemRecorded(Fact):
    """A financial input for one legal entity and year; a later fact with the same key revises it."""

    legal_entity: str
    year: int
    item: FinancialItem
    business_line: str | None = None
    amount: Amount
    currency: str


from oprisk.domain import assessments as _assessments  # noqa: E402, F401  (registers assessment.recorded)
