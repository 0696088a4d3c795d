"""Request bodies (validated before anything runs; an unknown field is refused, never ignored) and
the commands they become. The actor is never a body field: it is the authenticated principal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from oprisk.domain import commands as c


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


Text = Field(default="", max_length=10_000)


class ReportBody(Body):
    """A new loss event; its id is ``SOURCE:EXTERNAL-ID`` (source: the caller's name if omitted)."""

    external_id: str = Field(min_length=1, max_length=150, pattern=r"^\S(.*\S)?$")
    source: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[^:\s]+$")
    title: str = Field(min_length=1, max_length=500)
    description: str = Text
    event_type: str
    cause: str | None = None
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

    def command(self, event_id: str, actor: str, source: str) -> c.ReportLossEvent:
        fields = self.model_dump(exclude={"source"})
        return c.ReportLossEvent(event_id=event_id, actor=actor, source=source, **fields)


class PatchBody(Body):
    """Descriptive fields to amend and/or a new classification; one request, one transaction."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = None
    legal_entity: str | None = None
    lei: str | None = None
    org_unit: str | None = None
    occurred_on: date | None = None
    discovered_on: date | None = None
    near_miss: bool | None = None
    gain: bool | None = None
    credit_boundary: bool | None = None
    market_boundary: bool | None = None
    legal: bool | None = None
    event_type: str | None = None
    cause: str | None = None
    business_line: str | None = None
    reason: str = ""

    def commands(self, event_id: str, actor: str) -> list[c.Command]:
        given = self.model_dump(mode="json", exclude_unset=True, exclude={"reason"})
        classes = {k: given.pop(k) for k in ("event_type", "cause", "business_line") if k in given}
        out: list[c.Command] = []
        if given:
            out.append(
                c.AmendLossEvent(event_id=event_id, actor=actor, changes=given, reason=self.reason)
            )
        if classes:
            out.append(
                c.ReclassifyLossEvent(event_id=event_id, actor=actor, reason=self.reason, **classes)
            )
        return out


class _Line(Body):
    amount: Decimal = Field(gt=0)
    currency: str
    accounted_on: date
    line_id: str | None = Field(default=None, min_length=1, max_length=100)
    note: str = Text

    def _fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ImpactBody(_Line):
    """A ledger line that changes the gross loss."""

    kind: Literal["loss", "cost", "reversal"] = "loss"

    def command(self, event_id: str, actor: str) -> c.RecordImpact:
        return c.RecordImpact(event_id=event_id, actor=actor, **self._fields())


class ProvisionBody(_Line):
    """A provision, or the release of one (``kind: release``)."""

    kind: Literal["provision", "release"] = "provision"

    def command(self, event_id: str, actor: str) -> c.RecordImpact:
        fields = self._fields()
        fields["kind"] = "provision_release" if self.kind == "release" else "provision"
        return c.RecordImpact(event_id=event_id, actor=actor, **fields)


class RecoveryBody(_Line):
    """A recovery: received in cash, or a receivable (``received: false``)."""

    kind: Literal["insurance", "other"] = "other"
    received: bool = True
    allow_excess: bool = False

    def command(self, event_id: str, actor: str) -> c.RecordRecovery:
        return c.RecordRecovery(event_id=event_id, actor=actor, **self._fields())


class ReasonBody(Body):
    reason: str = Field(min_length=1, max_length=2000)


class ExclusionBody(Body):
    """A supervisory exclusion from the capital data set, with the supervisor's reference."""

    approval_reference: str = Field(min_length=1, max_length=200)
    approved_on: date
    reason: str = Field(min_length=1, max_length=2000)


class PrincipalBody(Body):
    name: str
    roles: list[str] = Field(min_length=1)


class CommandResult(BaseModel):
    """What a command appended: the event's new version (also the ``ETag``) and the facts."""

    event_id: str
    version: int
    facts: list[dict[str, Any]]
    request_id: str
