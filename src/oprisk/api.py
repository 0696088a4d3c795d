"""The facade notebooks, the CLI and the HTTP layer use: ``connect()`` → :class:`Database`.

Commands append facts (and update the read models in the same transaction) and return the facts
they appended; queries return pandas DataFrames as known at a knowledge cut-off (``as_of``: a
position, a timestamp, a date meaning the end of that day in UTC, or ``None`` for now) and,
where amounts are involved, a business cut-off (``accounted_until``).

The one module that composes the parts: the unit of work (``UnitOfWork``), the read-model
queries (``ReadModel``), the command side (``Recorder``) and the use cases built on them (capital,
reports, assessments, the loader), which take those ports and never this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection, Engine

from oprisk.domain import commands as c
from oprisk.domain.events import RequestKind
from oprisk.domain.loss_event import LossEventState
from oprisk.domain.money import currency_code
from oprisk.errors import ConfigurationError, SchemaError
from oprisk.progress import ProgressOption
from oprisk.projections.projector import Folded, Projector
from oprisk.projections.projector import rebuild as rebuild_read_models
from oprisk.projections.read_model import ReadModel
from oprisk.projections.recorder import Recorder, Requested
from oprisk.projections.state_cache import StateCache
from oprisk.projections.verify import StreamRange, VerifyReport, verify
from oprisk.services.icaap_data import IcaapData
from oprisk.services.idempotency import Idempotency
from oprisk.services.principals import Principals
from oprisk.store import migrate
from oprisk.store.checkpoint import Checkpoint
from oprisk.store.checkpoint import take as take_checkpoint
from oprisk.store.engine import make_engine, mask_url
from oprisk.store.eventstore import EventStore, NewEvent, RecordedEvent
from oprisk.store.unit_of_work import AsOf, UnitOfWork, cutoff_time

if TYPE_CHECKING:
    from oprisk.reports import Reports
    from oprisk.services.capital import CapitalService

__all__ = ["AsOf", "Database", "Requested", "StateCache", "connect", "cutoff_time"]


def connect(
    url: str | None = None,
    *,
    reporting_currency: str = "EUR",
    migrate_embedded: bool = True,
    clock: Any = None,
) -> Database:
    """Open a database: an embedded SQLite file by default (``OPRISK_DATABASE_URL`` or ./oprisk.db).

    An embedded database is migrated automatically; a PostgreSQL schema that is missing or behind
    is refused with a message saying to run ``oprisk db upgrade``.
    """
    engine = make_engine(url)
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        if engine.dialect.name == "sqlite" and migrate_embedded:
            migrate.upgrade(engine)
        else:
            engine.dispose()
            state = (
                "has no oprisk schema"
                if current is None
                else f"is at revision {current}, the code needs {head}"
            )
            raise SchemaError(
                f"the database {mask_url(engine.url)} {state}: run `oprisk db upgrade`"
            )
    return Database(engine, reporting_currency=reporting_currency, clock=clock)


class Database(IcaapData):
    """A loss-event database: commands, as-of queries, verification; ``capital`` and ``reports``;
    scenarios and external losses (:class:`~oprisk.services.icaap_data.IcaapData`)."""

    def __init__(
        self,
        engine: Engine,
        *,
        reporting_currency: str = "EUR",
        clock: Any = None,
        cause_overrides: dict[str, str] | None = None,
    ) -> None:
        self.reporting_currency = currency_code(reporting_currency, "reporting_currency")
        self.uow = UnitOfWork(engine, EventStore(clock) if clock else EventStore())
        self.read = ReadModel(self.uow, self.reporting_currency)
        self.recorder = Recorder(
            self.uow,
            self.reporting_currency,
            projector=Projector(),
            cause_overrides=cause_overrides,
        )
        #: principals of the HTTP service (``oprisk users``), folded from the log
        self.principals = Principals(self.uow)
        #: first responses to HTTP requests sent with an ``Idempotency-Key``
        self.idempotency = Idempotency(self.uow)

    def __repr__(self) -> str:
        return f"<oprisk.Database {self.engine.url.render_as_string()} reporting in {self.reporting_currency}>"

    def close(self) -> None:
        self.uow.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        return self.uow.engine

    @property
    def store(self) -> EventStore:
        return self.uow.store

    @property
    def projector(self) -> Projector:
        return self.recorder.projector

    @property
    def cause_overrides(self) -> dict[str, str] | None:
        return self.recorder.cause_overrides

    @property
    def dialect(self) -> str:
        return self.uow.dialect

    @property
    def capital(self) -> CapitalService:
        """Capital (BIA, TSA, ASA, Basel III SA, LDA, ICAAP) from this database as known at a cut-off."""
        from oprisk.services.capital import CapitalService

        return CapitalService(self.read, self.uow)

    @property
    def reports(self) -> Reports:
        """COREP C 16 / C 17 and Pillar 3 OR1-OR3 tables and exports as known at a cut-off."""
        from oprisk.reports import Reports

        return Reports(self.uow, self.read, self.capital)

    def writing(self) -> AbstractContextManager[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success."""
        return self.uow.writing()

    def reading(self) -> AbstractContextManager[Connection]:
        """A read transaction: one consistent snapshot on PostgreSQL (repeatable read) and SQLite."""
        return self.uow.reading()

    # --- commands -----------------------------------------------------------------------------

    def execute(
        self,
        commands: c.Command | Iterable[c.Command],
        *,
        idempotency_key: str | None = None,
        errors: list[Any] | None = None,
        meta: dict[str, Any] | None = None,
        expected: Mapping[str, int] | None = None,
        then: Callable[[Connection, list[RecordedEvent]], None] | None = None,
    ) -> list[RecordedEvent]:
        """Decide and append commands in one transaction; returns the facts appended.

        Without ``errors`` the first rule broken raises and nothing is appended; with a list, each
        failing command is skipped and ``(index, command, error)`` appended to it. ``expected``
        maps event ids to the version the caller last saw: another version raises
        ``ConcurrencyError`` (optimistic concurrency, HTTP ``If-Match``); ``then(conn, facts)``
        runs in the append's transaction (the HTTP layer records its answer there).
        """
        return self.recorder.execute(
            commands,
            idempotency_key=idempotency_key,
            errors=errors,
            meta=meta,
            expected=expected,
            then=then,
        )

    def execute_planned(
        self,
        conn: Connection,
        pending: Mapping[str, Sequence[NewEvent]],
        before: MutableMapping[str, LossEventState],
        folded: Folded | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> list[RecordedEvent]:
        """Append loss-event facts already decided in this write transaction (see
        :meth:`Recorder.execute_planned <oprisk.projections.recorder.Recorder.execute_planned>`)."""
        return self.recorder.execute_planned(
            conn, pending, before, folded, idempotency_key=idempotency_key
        )

    def check_link(
        self, cmd: c.LinkLossEvent, working: Mapping[str, LossEventState], roots: set[str]
    ) -> None:
        """Grouping is one level deep (see :meth:`oprisk.projections.recorder.Recorder.check_link`)."""
        self.recorder.check_link(cmd, working, roots)

    def report(self, event_id: str, *, actor: str, **fields: Any) -> list[RecordedEvent]:
        """Report a new loss event (``loss_event.reported``)."""
        return self.execute(c.ReportLossEvent(event_id=event_id, actor=actor, **fields))

    def amend(
        self, event_id: str, *, actor: str, reason: str = "", **changes: Any
    ) -> list[RecordedEvent]:
        return self.execute(
            c.AmendLossEvent(event_id=event_id, actor=actor, changes=changes, reason=reason)
        )

    def reclassify(self, event_id: str, *, actor: str, **fields: Any) -> list[RecordedEvent]:
        return self.execute(c.ReclassifyLossEvent(event_id=event_id, actor=actor, **fields))

    def record_impact(self, event_id: str, *, actor: str, **fields: Any) -> list[RecordedEvent]:
        return self.execute(c.RecordImpact(event_id=event_id, actor=actor, **fields))

    def record_recovery(self, event_id: str, *, actor: str, **fields: Any) -> list[RecordedEvent]:
        return self.execute(c.RecordRecovery(event_id=event_id, actor=actor, **fields))

    def link(self, event_id: str, root_event_id: str | None, *, actor: str) -> list[RecordedEvent]:
        return self.execute(
            c.LinkLossEvent(event_id=event_id, actor=actor, root_event_id=root_event_id)
        )

    def submit(self, event_id: str, *, actor: str) -> list[RecordedEvent]:
        return self.execute(c.SubmitLossEvent(event_id=event_id, actor=actor))

    def approve(self, event_id: str, *, actor: str) -> list[RecordedEvent]:
        return self.execute(c.ApproveLossEvent(event_id=event_id, actor=actor))

    def reject(self, event_id: str, *, actor: str, reason: str) -> list[RecordedEvent]:
        return self.execute(c.RejectLossEvent(event_id=event_id, actor=actor, reason=reason))

    def close_event(self, event_id: str, *, actor: str, reason: str = "") -> list[RecordedEvent]:
        return self.execute(c.CloseLossEvent(event_id=event_id, actor=actor, reason=reason))

    def reopen(self, event_id: str, *, actor: str, reason: str) -> list[RecordedEvent]:
        return self.execute(c.ReopenLossEvent(event_id=event_id, actor=actor, reason=reason))

    def withdraw(self, event_id: str, *, actor: str, reason: str) -> list[RecordedEvent]:
        return self.execute(c.WithdrawLossEvent(event_id=event_id, actor=actor, reason=reason))

    def exclude(
        self, event_id: str, *, actor: str, approval_reference: str, approved_on: date, reason: str
    ) -> list[RecordedEvent]:
        return self.execute(
            c.ExcludeLossEvent(
                event_id=event_id,
                actor=actor,
                approval_reference=approval_reference,
                approved_on=approved_on,
                reason=reason,
            )
        )

    def approve_request(
        self, event_id: str, *, actor: str, request: RequestKind | None = None
    ) -> list[RecordedEvent]:
        """Approve the event's pending exclusion, withdrawal or reopening (a second actor)."""
        return self.execute(c.ApproveRequest(event_id=event_id, actor=actor, request=request))

    def reject_request(
        self, event_id: str, *, actor: str, reason: str, request: RequestKind | None = None
    ) -> list[RecordedEvent]:
        """Turn the event's pending request down."""
        return self.execute(
            c.RejectRequest(event_id=event_id, actor=actor, reason=reason, request=request)
        )

    def set_approval_threshold(
        self, amount: Any, currency: str | None = None, *, actor: str
    ) -> list[RecordedEvent]:
        """Events above ``amount`` count in capital and exports only once approved (``None``: off)."""
        return self.recorder.set_approval_threshold(amount, currency, actor=actor)

    def record_fx_rate(
        self, currency: str, rate_date: date, rate: Any, *, actor: str, quote: str | None = None
    ) -> list[RecordedEvent]:
        """Record an FX rate: ``rate`` units of ``quote`` (default the reporting currency) per ``currency``."""
        return self.recorder.record_fx_rate(currency, rate_date, rate, actor=actor, quote=quote)

    def record_financials(
        self,
        items: Sequence[dict[str, Any]] | dict[str, Any],
        *,
        actor: str,
        meta: dict[str, Any] | None = None,
    ) -> list[RecordedEvent]:
        """Record financial inputs (gross income by line, loans and advances, BI items) per entity and year."""
        return self.recorder.record_financials(items, actor=actor, meta=meta)

    # --- queries ------------------------------------------------------------------------------

    def position(self, as_of: AsOf = None, conn: Connection | None = None) -> int:
        """The knowledge cut-off as a log position."""
        return self.uow.position(as_of, conn)

    def cutoff(self, as_of: AsOf = None) -> tuple[int, datetime | None]:
        """The knowledge cut-off as (position, recorded time of that position)."""
        return self.uow.cutoff(as_of)

    def losses(
        self,
        as_of: AsOf = None,
        accounted_until: date | str | None = None,
        *,
        currency: str | None = None,
        include_withdrawn: bool = False,
        exact: bool = False,
        lang: str = "en",
        **filters: Any,
    ) -> pd.DataFrame:
        """Loss events as known at ``as_of``, with amounts accounted up to ``accounted_until``.

        Amounts are in the event's currency and, in ``*_reporting`` columns, in the reporting
        currency, each ledger line converted at its accounting date. Taxonomy columns are
        categoricals; ``*_name`` columns carry readable labels (``lang="zh"`` for Chinese).
        ``year``, ``business_line``, ``event_type``, ``legal_entity``, ``source`` filter in
        the database (see :meth:`oprisk.projections.read_model.ReadModel.losses`).
        """
        return self.read.losses(as_of, accounted_until, currency=currency, lang=lang,
                                include_withdrawn=include_withdrawn, exact=exact, **filters)  # fmt: skip

    def ledger(
        self,
        as_of: AsOf = None,
        accounted_until: date | str | None = None,
        *,
        currency: str | None = None,
        exact: bool = False,
    ) -> pd.DataFrame:
        """Impact and recovery lines known at ``as_of``, with reporting-currency amounts
        (float64; ``exact=True`` keeps the native amounts as ``Decimal``)."""
        return self.read.ledger(as_of, accounted_until, currency=currency, exact=exact)

    def history(self, event_id: str, *, exact: bool = False) -> pd.DataFrame:
        """Every version of one loss event, with the position and time it was valid from and to."""
        return self.read.history(event_id, exact=exact)

    def state(self, event_id: str, as_of: AsOf = None) -> LossEventState:
        """The aggregate state of one event, replayed from its stream up to ``as_of``."""
        return self.read.state(event_id, as_of)

    def fx_rates(self, as_of: AsOf = None) -> pd.DataFrame:
        return self.read.fx_rates(as_of)

    def loss_inputs(self, as_of: AsOf, accounted_from: date, accounted_until: date) -> Any:
        return self.read.loss_inputs(as_of, accounted_from, accounted_until)

    def financials(self, as_of: AsOf = None) -> pd.DataFrame:
        return self.read.financials(as_of)

    def events(self, after: int = 0, up_to: int | None = None) -> list[RecordedEvent]:
        """The raw log (upcast), for audit and debugging."""
        return self.read.events(after, up_to)

    # --- integrity ----------------------------------------------------------------------------

    def verify(
        self,
        checkpoints: Sequence[Checkpoint] = (),
        public_key: Any = None,
        *,
        streams: str | StreamRange | None = None,
        batch_facts: int = 10_000,
        jobs: int = 1,
        progress: ProgressOption = None,
    ) -> VerifyReport:
        """Re-walk the hash chains, compare the log with signed ``checkpoints`` (their signatures
        checked against ``public_key`` first) and the read models with a fresh rebuild.

        The read models are compared ``batch_facts`` facts at a time (whole streams; memory is
        bounded by the batch); ``streams`` (``"A..B"``) compares only the streams with ids from
        A to B — to resume a long check or share it out — while the chains and checkpoints are
        always checked whole; ``jobs`` processes compare ranges of streams side by side in the
        same snapshot (PostgreSQL)."""
        if checkpoints and public_key is None:
            raise ConfigurationError("checking a checkpoint needs the signer's public key")
        for cp in checkpoints:
            cp.check_signature(public_key)
        rng = StreamRange.parse(streams) if isinstance(streams, str) else streams
        with self.uow.reading() as conn:
            return verify(
                conn,
                self.store,
                checkpoints,
                batch_facts=batch_facts,
                streams=rng,
                jobs=jobs,
                progress=progress,
            )

    def checkpoint(
        self, key: Any, signer: str, previous: Sequence[Checkpoint] = (), public_key: Any = None
    ) -> Checkpoint:
        """Check the whole log and sign its head (:mod:`oprisk.store.checkpoint`); ``previous``
        checkpoints (signed by ``public_key``, default ``key``'s) must agree with it."""
        public = public_key or key.public_key()
        for cp in previous:
            cp.check_signature(public)
        with self.uow.reading() as conn:
            return take_checkpoint(conn, key, signer, store=self.store, previous=previous)

    def rebuild(self, *, batch_facts: int = 10_000, progress: ProgressOption = None) -> int:
        """Clear the read models and rebuild them from position 0, ``batch_facts`` facts (whole
        streams) at a time; returns the facts replayed."""
        with self.uow.writing() as conn:
            return rebuild_read_models(conn, self.store, batch_facts, progress)

    # --- assessments --------------------------------------------------------------------------

    def record_assessment(
        self, assessment: Any, *, unit: str, actor: str, assessed_on: date | str | None = None
    ) -> list[RecordedEvent]:
        """Record one unit's AHP assessment (``assessment.recorded``); see :mod:`oprisk.services.assessments`."""
        from oprisk.services.assessments import record_assessment

        return record_assessment(
            self.uow, assessment, unit=unit, actor=actor, assessed_on=assessed_on
        )

    def assessments(self, as_of: AsOf = None) -> pd.DataFrame:
        """Assessments known at ``as_of``: one row per unit and date, the latest revision."""
        from oprisk.services.assessments import assessments

        return assessments(self.uow, as_of)

    # --- loading files ------------------------------------------------------------------------

    def load(self, paths: Any, **kw: Any) -> Any:
        """Load incident, movement, financial, assessment, scenario or external-loss files, idempotently and incrementally.

        Returns a :class:`~oprisk.ingest.load.LoadReport`; see :func:`oprisk.ingest.load.load`
        and ``docs/ingest.md`` ("Loading: idempotent and incremental").
        """
        from oprisk.ingest.load import load

        return load(self, paths, **kw)
