"""The result of a capital computation from the store: the pure result plus its cut-off and profile."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import pandas as pd

from oprisk.capital import Profile
from oprisk.capital.results import CapitalResult

R = TypeVar("R", bound=CapitalResult)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:f}"  # 1000000000, not 1E+9
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class CapitalRun(Generic[R]):
    """A capital result together with the knowledge cut-off and the profile it was computed with.

    ``result`` is the pure result (``BIAResult``, ``TSAResult``, ``ASAResult``, ``SAResult`` or
    ``LossComponentResult``); its attributes are also reachable on the run (``run.capital``,
    ``run.orc``). ``summary()`` / ``to_dict()`` / ``_repr_html_()`` prepend the run's context.
    """

    approach: str
    year: int
    profile: Profile
    legal_entity: str | None
    currency: str
    as_of: str | None
    cutoff_position: int
    cutoff_time: datetime | None
    accounted_until: date | None
    withdrawn_events: tuple[str, ...]
    notes: tuple[str, ...]
    result: R

    def __repr__(self) -> str:
        inner = repr(self.result).removeprefix("<").removesuffix(">")
        when = self.cutoff_time.isoformat(timespec="seconds") if self.cutoff_time else "empty log"
        entity = f", {self.legal_entity}" if self.legal_entity else ""
        return (
            f"<CapitalRun {self.approach.upper()} {self.year}{entity}, profile {self.profile.name}, "
            f"as known at position {self.cutoff_position} ({when}) — {inner}>"
        )

    def plot(self) -> Any:
        """How the figure is built (SA: BIC → ILM → ORC; BIA/TSA/ASA: the charge by year)."""
        from oprisk.plots.capital import capital_plot

        return capital_plot(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, "result"), name)

    def _context_rows(self) -> list[tuple[str, Any, str]]:
        time = self.cutoff_time.isoformat() if self.cutoff_time else "(empty log)"
        rows: list[tuple[str, Any, str]] = [
            ("approach", self.approach.upper(), ""),
            ("year", self.year, ""),
            ("legal entity", self.legal_entity if self.legal_entity is not None else "(all)", ""),
            (
                "profile",
                self.profile.name,
                self.profile.citation if self.approach in ("sa", "loss_component") else "",
            ),
            ("knowledge cut-off position", self.cutoff_position, f"as of {self.as_of or 'now'}"),
            ("knowledge cut-off time", time, "recorded time of that position"),
        ]
        if self.accounted_until is not None:
            rows.append(("accounted until", self.accounted_until.isoformat(), "accounting date"))
            rows.append(
                (
                    "withdrawn events left out",
                    len(self.withdrawn_events),
                    ", ".join(self.withdrawn_events),
                )
            )
        rows += [("note", n, "") for n in self.notes]
        return rows

    def summary(self) -> pd.DataFrame:
        """The run's context (cut-off, profile …) followed by the result's summary."""
        head = pd.DataFrame(self._context_rows(), columns=["item", "value", "reference"])
        body = self.result.summary().reset_index()
        frame = pd.concat([head, body], ignore_index=True).set_index("item")
        frame.attrs["result"] = type(self.result).__name__
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Every intermediate figure at full precision plus the cut-off and the profile (JSON-ready)."""
        return {
            "approach": self.approach,
            "year": self.year,
            "legal_entity": self.legal_entity,
            "currency": self.currency,
            "knowledge_cutoff": {
                "as_of": self.as_of,
                "position": self.cutoff_position,
                "time": self.cutoff_time.isoformat() if self.cutoff_time else None,
            },
            "accounted_until": self.accounted_until.isoformat() if self.accounted_until else None,
            "profile": _jsonable(self.profile),
            "withdrawn_events": list(self.withdrawn_events),
            "notes": list(self.notes),
            "result": self.result.to_dict(),
        }

    def _repr_html_(self) -> str:
        head = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v, _ in self._context_rows()
        )
        return f"<table>{head}</table>" + self.result._repr_html_()
