"""Commands: what a user or loader asks the loss-event aggregate to do (imperative names).

Commands are validated with pydantic on construction (types, dates, amounts); the domain rules
that need the event's current state live in :func:`oprisk.domain.loss_event.decide`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from oprisk.domain.events import ImpactKind, RecoveryKind, RequestKind
from oprisk.domain.money import currency_code, to_decimal


class Command(BaseModel):
    """Base of every command: the loss event it targets and who asks."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_id: str
    actor: str

    @field_validator("event_id", "actor")
    @classmethod
    def _not_blank(cls, v: str, info: Any) -> str:
        if not str(v).strip():
            raise ValueError(f"{info.field_name} must not be blank")
        return str(v).strip()

    @model_validator(mode="after")
    def _no_nul(self) -> Command:
        # PostgreSQL text and JSONB cannot hold U+0000; refuse it everywhere, on both databases
        for name, value in self.__dict__.items():  # the fields (extra="forbid"), as __iter__
            if isinstance(value, str):
                if "\x00" not in value:
                    continue
                values: Any = (value,)
            elif isinstance(value, dict):
                values = value.values()
            else:
                continue
            for v in values:
                if isinstance(v, str) and "\x00" in v:
                    raise ValueError(
                        f"invalid value {v!r} for {name!r}: must not contain the NUL character"
                    )
        return self


class ReportLossEvent(Command):
    title: str
    description: str = ""
    event_type: str
    cause: str | None = None  # default from the event type (taxonomy.DEFAULT_CAUSES)
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

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        return currency_code(v)


class AmendLossEvent(Command):
    changes: dict[str, Any]
    reason: str = ""


class ReclassifyLossEvent(Command):
    event_type: str | None = None
    cause: str | None = None
    business_line: str | None = None
    reason: str = ""


class _Line(Command):
    line_id: str | None = None  # generated from the stream version when omitted
    amount: Decimal
    currency: str
    accounted_on: date
    note: str = ""

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, v: Any) -> Decimal:
        d = to_decimal(v, "amount")
        if d == 0:
            raise ValueError("amount must be positive")
        return d

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        return currency_code(v)


class RecordImpact(_Line):
    kind: ImpactKind = "loss"


class RecordRecovery(_Line):
    kind: RecoveryKind = "other"
    received: bool = True
    allow_excess: bool = False  # recoveries above the gross loss need this explicit flag


class LinkLossEvent(Command):
    root_event_id: str | None


class SubmitLossEvent(Command):
    pass


class ApproveLossEvent(Command):
    pass


class RejectLossEvent(Command):
    reason: str


class CloseLossEvent(Command):
    reason: str = ""


class ReopenLossEvent(Command):
    reason: str


class WithdrawLossEvent(Command):
    reason: str


class ExcludeLossEvent(Command):
    """Request a supervisory exclusion: it takes effect when another actor approves it."""

    approval_reference: str
    approved_on: date
    reason: str


class ApproveRequest(Command):
    """Approve the event's pending request (exclusion, withdrawal, reopening): four eyes.
    ``request`` names the kind expected, so that an approval never lands on another request."""

    request: RequestKind | None = None


class RejectRequest(Command):
    """Turn the event's pending request down (its requester may also take it back this way)."""

    reason: str
    request: RequestKind | None = None
