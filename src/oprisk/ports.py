"""The ports the use cases take: transactions on the log, read-model queries, commands.

The loader (:mod:`oprisk.ingest`), the reports (:mod:`oprisk.reports`) and the services
(:mod:`oprisk.services`) are written against these protocols, never against the facade:
:class:`~oprisk.store.unit_of_work.UnitOfWork`, :class:`~oprisk.projections.read_model.ReadModel`
and :class:`~oprisk.projections.recorder.Recorder` implement them, :mod:`oprisk.api` composes
them, and a test or another application can hand a use case anything that fits.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd
from sqlalchemy import Connection

from oprisk.domain import commands as c
from oprisk.domain.loss_event import LossEventState
from oprisk.store.eventstore import EventStore, NewEvent, RecordedEvent
from oprisk.store.unit_of_work import AsOf

if TYPE_CHECKING:
    from oprisk.projections.capital_reads import LossInputs

__all__ = ["AsOf", "Commands", "LoaderPorts", "Queries", "Transactions"]


class Transactions(Protocol):
    """Read and write transactions on the log, and the store that appends and reads facts."""

    @property
    def store(self) -> EventStore: ...

    def reading(self) -> AbstractContextManager[Connection]: ...

    def writing(self) -> AbstractContextManager[Connection]: ...

    def position(self, as_of: AsOf = None, conn: Connection | None = None) -> int: ...

    def cutoff(self, as_of: AsOf = None) -> tuple[int, datetime | None]: ...


class Queries(Protocol):
    """The as-of queries on the read models (amounts in ``reporting_currency`` by default)."""

    @property
    def reporting_currency(self) -> str: ...

    def position(self, as_of: AsOf = None, conn: Connection | None = None) -> int: ...

    def cutoff(self, as_of: AsOf = None) -> tuple[int, datetime | None]: ...

    def losses(
        self,
        as_of: AsOf = None,
        accounted_until: date | str | None = None,
        *,
        currency: str | None = None,
        include_withdrawn: bool = False,
        exact: bool = False,
        lang: str = "en",
    ) -> pd.DataFrame: ...

    def ledger(
        self,
        as_of: AsOf = None,
        accounted_until: date | str | None = None,
        *,
        currency: str | None = None,
        exact: bool = False,
    ) -> pd.DataFrame: ...

    def loss_inputs(
        self, as_of: AsOf, accounted_from: date, accounted_until: date
    ) -> LossInputs: ...

    def fx_rates(self, as_of: AsOf = None) -> pd.DataFrame: ...

    def financials(self, as_of: AsOf = None) -> pd.DataFrame: ...


class Commands(Protocol):
    """Commands decided against the stored state and appended with their read-model rows."""

    @property
    def cause_overrides(self) -> dict[str, str] | None: ...

    def execute_planned(
        self,
        conn: Connection,
        pending: Mapping[str, Sequence[NewEvent]],
        before: MutableMapping[str, LossEventState],
        folded: Any = None,
        *,
        idempotency_key: str | None = None,
    ) -> list[RecordedEvent]: ...

    def check_link(
        self, cmd: c.LinkLossEvent, working: Mapping[str, LossEventState], roots: set[str]
    ) -> None: ...

    def record_financials(
        self,
        items: Sequence[dict[str, Any]] | dict[str, Any],
        *,
        actor: str,
        meta: dict[str, Any] | None = None,
    ) -> list[RecordedEvent]: ...


class LoaderPorts(Transactions, Queries, Commands, Protocol):
    """What the loader needs, all three at once: it reads the streams a batch touches and decides
    its commands inside its own write transaction, appends them, and diffs financial inputs
    against those known."""
