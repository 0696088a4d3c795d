"""Request bodies (validated before anything runs; an unknown field is refused, never ignored) and
the commands they become. The actor is never a body field: it is the authenticated principal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from oprisk.domain import commands as c
from oprisk.domain.events import AMENDABLE


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


Text = Field(default="", max_length=10_000)


def _like(model: type[BaseModel], names: Iterable[str], *, optional: bool) -> dict[str, Any]:
    """Fields of a domain command, as a body takes them (all optional for a PATCH): the HTTP
    schema follows the commands instead of repeating them."""
    out: dict[str, Any] = {}
    for name in names:
        info = model.model_fields[name]
        kind: Any = info.annotation
        out[name] = (kind | None, None) if optional else (kind, info)
    return out


class _Report(Body):
    external_id: str = Field(min_length=1, max_length=150, pattern=r"^\S(.*\S)?$")
    source: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[^:\s]+$")

    def command(self, event_id: str, actor: str, source: str) -> c.ReportLossEvent:
        fields = self.model_dump(exclude={"source"})
        return c.ReportLossEvent(event_id=event_id, actor=actor, source=source, **fields)


_CLASSIFICATION = ("event_type", "cause", "business_line")


class _Patch(Body):
    reason: str = ""

    def commands(self, event_id: str, actor: str) -> list[c.Command]:
        given = self.model_dump(mode="json", exclude_unset=True, exclude={"reason"})
        classes = {k: given.pop(k) for k in _CLASSIFICATION if k in given}
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


if TYPE_CHECKING:  # built from the commands at import time; typed as their bases
    ReportBody = _Report
    PatchBody = _Patch
else:
    #: A new loss event: the fields of ``ReportLossEvent`` but its id, actor and source, which the
    #: id ``SOURCE:EXTERNAL-ID`` gives (source: the caller's name if omitted).
    ReportBody = create_model(
        "ReportBody",
        __base__=_Report,
        **_like(
            c.ReportLossEvent,
            [
                n
                for n in c.ReportLossEvent.model_fields
                if n not in ("event_id", "actor", "source", "external_id")
            ],
            optional=False,
        ),
    )

    #: Descriptive fields to amend (the domain's ``AMENDABLE``) and/or a new classification, all
    #: optional; one request, one transaction.
    PatchBody = create_model(
        "PatchBody",
        __base__=_Patch,
        **_like(c.ReportLossEvent, [*AMENDABLE, *_CLASSIFICATION], optional=True),
    )


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
