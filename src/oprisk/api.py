"""The facade notebooks and the CLI use: ``connect()`` → :class:`Database`.

Commands append facts (and update the read models in the same transaction) and return the facts
they appended; queries return pandas DataFrames as known at a knowledge cut-off (``as_of``: a
position, a timestamp, a date meaning the end of that day in UTC, or ``None`` for now) and,
where amounts are involved, a business cut-off (``accounted_until``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
from sqlalchemy import Connection, Engine, select

from oprisk.domain import commands as c
from oprisk.domain import events as e
from oprisk.domain.loss_event import LossEventState, decide, evolve, initial
from oprisk.domain.money import currency_code, to_decimal
from oprisk.domain.taxonomy import business_line
from oprisk.errors import (
    ConfigurationError,
    DomainError,
    EventNotFoundError,
    InvalidLinkError,
    SchemaError,
    invalid,
)
from oprisk.projections import queries as q
from oprisk.projections.projector import (
    FINANCIALS,
    FX,
    LOSS_EVENT,
    Folded,
    Projector,
    replay_rows,
    states_from,
    write_rows,
)
from oprisk.projections.verify import VerifyReport, verify
from oprisk.store import migrate
from oprisk.store.engine import make_engine
from oprisk.store.eventstore import (
    NO_STREAM,
    Append,
    EventStore,
    NewEvent,
    RecordedEvent,
    translated,
    utc,
)
from oprisk.store.schema import loss_event_versions

if TYPE_CHECKING:
    from oprisk.reports import Reports
    from oprisk.services.capital import CapitalService

AsOf = int | datetime | date | str | None
A = TypeVar("A")
B = TypeVar("B")


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
                f"the database {engine.url.render_as_string()} {state}: run `oprisk db upgrade`"
            )
    return Database(engine, reporting_currency=reporting_currency, clock=clock)


@contextmanager
def _collecting(errors: list[Any] | None, index: int, cmd: Any) -> Iterator[None]:
    try:
        yield
    except DomainError as err:
        if errors is None:
            raise
        errors.append((index, cmd, err))


class Database:
    """A loss-event database: commands, as-of queries, verification; ``capital`` and ``reports``."""

    def __init__(
        self,
        engine: Engine,
        *,
        reporting_currency: str = "EUR",
        clock: Any = None,
        cause_overrides: dict[str, str] | None = None,
    ) -> None:
        self.engine = engine
        self.reporting_currency = currency_code(reporting_currency, "reporting_currency")
        self.store = EventStore(clock) if clock else EventStore()
        self.projector = Projector()
        self.cause_overrides = cause_overrides

    def __repr__(self) -> str:
        return f"<oprisk.Database {self.engine.url.render_as_string()} reporting in {self.reporting_currency}>"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def capital(self) -> CapitalService:
        """Capital (BIA, TSA, ASA, Basel III SA) from this database as known at a cut-off."""
        from oprisk.services.capital import CapitalService

        return CapitalService(self)

    @property
    def reports(self) -> Reports:
        """COREP C 16 / C 17 and Pillar 3 OR1-OR3 tables and exports as known at a cut-off."""
        from oprisk.reports import Reports

        return Reports(self)

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success."""
        with (
            translated(),
            self.engine.connect().execution_options(oprisk_write=True) as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot on PostgreSQL (repeatable read) and SQLite."""
        with translated(), self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def _side_by_side(
        self, conn: Connection, first: Callable[[Connection], A], second: Callable[[Connection], B]
    ) -> tuple[A, B]:
        """Two reads of one snapshot. On PostgreSQL they run side by side: ``second`` on another
        connection that imports this transaction's snapshot (``pg_export_snapshot`` / ``SET
        TRANSACTION SNAPSHOT``, as parallel ``pg_dump`` does), so both see exactly the same data;
        elsewhere one after the other on ``conn``."""
        if self.dialect != "postgresql":
            return first(conn), second(conn)
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()

        def in_snapshot() -> B:
            with (
                translated(),
                self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as cx,
                cx.begin(),
            ):
                cx.exec_driver_sql("SET TRANSACTION SNAPSHOT %s", (snapshot,))
                return second(cx)

        with ThreadPoolExecutor(max_workers=1) as pool:
            other = pool.submit(in_snapshot)
            mine = first(conn)
            return mine, other.result()

    # --- commands -----------------------------------------------------------------------------

    def execute(
        self,
        commands: c.Command | Iterable[c.Command],
        *,
        idempotency_key: str | None = None,
        errors: list[Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> list[RecordedEvent]:
        """Decide and append commands in one transaction; returns the facts appended.

        Without ``errors`` the first rule broken raises and nothing is appended; with a list, each
        failing command is skipped and ``(index, command, error)`` appended to it.
        """
        cmds = [commands] if isinstance(commands, c.Command) else list(commands)
        if not cmds:
            return []
        correlation = str(uuid.uuid4())
        with self.writing() as conn:
            ids = {x.event_id for x in cmds} | {
                x.root_event_id for x in cmds if isinstance(x, c.LinkLossEvent) and x.root_event_id
            }
            before = states_from(self.store.read_streams(conn, ids))
            working: dict[str, LossEventState] = dict(before)
            pending: dict[str, list[NewEvent]] = {}
            folded: dict[tuple[str, int], tuple[e.Fact, LossEventState]] = {}
            metas: dict[tuple[str, str], dict[str, Any]] = {}
            roots = self._roots(conn, cmds)
            for i, cmd in enumerate(cmds):
                with _collecting(errors, i, cmd):
                    state = working.get(cmd.event_id) or initial(cmd.event_id)
                    if isinstance(cmd, c.LinkLossEvent):
                        self._check_link(cmd, working, roots)
                    facts = decide(cmd, state, cause_overrides=self.cause_overrides)
                    for f in facts:
                        state = evolve(state, f)
                        folded[(cmd.event_id, state.version)] = (f, state)
                    working[cmd.event_id] = state
                    if isinstance(cmd, c.LinkLossEvent) and cmd.root_event_id and facts:
                        roots.add(cmd.root_event_id)  # later links in this batch see the new group
                    key = (cmd.actor, type(cmd).__name__)
                    m = metas.get(key)
                    if m is None:  # one dict per actor and command: the store serialises it once
                        m = metas[key] = {
                            "actor": cmd.actor,
                            "command": key[1],
                            "correlation_id": correlation,
                            **(meta or {}),
                        }
                    pending.setdefault(cmd.event_id, []).extend(
                        NewEvent(f.event_type, f.payload(), f.schema_version, m) for f in facts
                    )
            recorded = self.execute_planned(
                conn, pending, before, folded, idempotency_key=idempotency_key
            )
        return recorded

    def execute_planned(
        self,
        conn: Connection,
        pending: Mapping[str, Sequence[NewEvent]],
        before: MutableMapping[str, LossEventState],
        folded: Folded | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> list[RecordedEvent]:
        """Append loss-event facts already decided in this write transaction (``conn``).

        For callers that read the streams and decided their commands themselves (the loader):
        ``pending`` holds each stream's new facts, ``before`` the states they were decided
        against, read in this transaction (a stream not in it must be new; a concurrent writer
        means ``ConcurrencyError``), and ``folded`` maps ``(stream, version)`` to the fact and the
        state after it, so the read models need no second fold. ``before`` is updated.
        """
        appends = [
            Append(
                sid,
                LOSS_EVENT,
                evs,
                before[sid].version if sid in before else NO_STREAM,
                f"{idempotency_key}:{sid}" if idempotency_key else None,
            )
            for sid, evs in pending.items()
            if evs
        ]
        recorded = self.store.append_batch(conn, appends)
        # a replayed idempotency key appends nothing; the folded states then describe nothing
        self.projector.apply(conn, recorded, before, folded if recorded else None)
        return recorded

    def _check_link(
        self, cmd: c.LinkLossEvent, working: dict[str, LossEventState], roots: set[str]
    ) -> None:
        """Grouping is one level deep: the root is a reported event that is not itself linked,
        and an event that is the root of a group cannot be linked under another."""
        root_id = cmd.root_event_id
        if root_id is None:
            return
        root = working.get(root_id)
        if root is None or not root.exists:
            raise InvalidLinkError(
                invalid("root_event_id", root_id, "must be a reported loss event")
            )
        if root.root_event_id is not None:
            raise InvalidLinkError(
                invalid(
                    "root_event_id",
                    root_id,
                    f"is itself linked to {root.root_event_id!r}; link to that root",
                )
            )
        if cmd.event_id in roots:
            raise InvalidLinkError(
                invalid(
                    "event_id",
                    cmd.event_id,
                    "is the root of a group; a root cannot be linked under another event",
                )
            )

    @staticmethod
    def _roots(conn: Connection, cmds: list[c.Command]) -> set[str]:
        """Which of the events about to be linked are already the root of a group (one query)."""
        ids = sorted(
            {x.event_id for x in cmds if isinstance(x, c.LinkLossEvent) and x.root_event_id}
        )
        v = loss_event_versions.c
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            q = select(v.root_event_id).where(
                v.root_event_id.in_(ids[i : i + 500]), v.valid_to_position.is_(None)
            )
            found.update(conn.execute(q).scalars())
        return found

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

    def record_fx_rate(
        self, currency: str, rate_date: date, rate: Any, *, actor: str, quote: str | None = None
    ) -> list[RecordedEvent]:
        """Record an FX rate: ``rate`` units of ``quote`` (default the reporting currency) per ``currency``."""
        r = to_decimal(rate, "rate")
        if r == 0:
            raise DomainError(invalid("rate", rate, "must be positive"))
        f = e.FxRateRecorded(
            currency=currency_code(currency),
            quote=currency_code(quote or self.reporting_currency),
            rate_date=rate_date,
            rate=r,
        )
        return self._append_other(f"fx-{f.currency}-{f.quote}", FX, [f], actor)

    def record_financials(
        self,
        items: Sequence[dict[str, Any]] | dict[str, Any],
        *,
        actor: str,
        meta: dict[str, Any] | None = None,
    ) -> list[RecordedEvent]:
        """Record financial inputs (gross income by line, loans and advances, BI items) per entity and year."""
        rows = [items] if isinstance(items, dict) else list(items)
        facts: dict[str, list[e.Fact]] = {}
        for row in rows:
            bl = row.get("business_line")
            f = e.FinancialItemRecorded(
                legal_entity=str(row.get("legal_entity") or ""),
                year=int(row["year"]),
                item=row["item"],
                business_line=business_line(bl).code if bl else None,
                amount=to_decimal(row["amount"], "amount", allow_negative=True),
                currency=currency_code(row.get("currency") or self.reporting_currency),
            )
            facts.setdefault(f"financials-{f.legal_entity}-{f.year}", []).append(f)
        with self.writing() as conn:
            m = {"actor": actor, **(meta or {})}
            appends = [
                Append(
                    sid,
                    FINANCIALS,
                    [NewEvent(f.event_type, f.payload(), f.schema_version, m) for f in fs],
                )
                for sid, fs in facts.items()
            ]
            recorded = self.store.append_batch(conn, appends)
            self.projector.apply(conn, recorded, {})
        return recorded

    def _append_other(
        self, stream_id: str, stream_type: str, facts: list[e.Fact], actor: str
    ) -> list[RecordedEvent]:
        with self.writing() as conn:
            new = [
                NewEvent(f.event_type, f.payload(), f.schema_version, {"actor": actor})
                for f in facts
            ]
            recorded = self.store.append(conn, stream_id, stream_type, new)
            self.projector.apply(conn, recorded, {})
        return recorded

    # --- queries ------------------------------------------------------------------------------

    def position(self, as_of: AsOf = None, conn: Connection | None = None) -> int:
        """The knowledge cut-off as a log position."""
        if conn is None:
            with self.reading() as cx:
                return self.position(as_of, cx)
        head = self.store.head(conn)
        if as_of is None:
            return head
        if isinstance(as_of, bool):
            raise ConfigurationError(
                invalid("as_of", as_of, "must be a position, a date or a timestamp")
            )
        if isinstance(as_of, int):
            if as_of < 0:
                raise ConfigurationError(invalid("as_of", as_of, "a position must not be negative"))
            return min(as_of, head)
        return self.store.position_at(conn, cutoff_time(as_of))

    def cutoff(self, as_of: AsOf = None) -> tuple[int, datetime | None]:
        """The knowledge cut-off as (position, recorded time of that position)."""
        with self.reading() as conn:
            p = self.position(as_of, conn)
            return p, self.store.time_of(conn, p)

    def losses(
        self,
        as_of: AsOf = None,
        accounted_until: date | str | None = None,
        *,
        currency: str | None = None,
        include_withdrawn: bool = False,
        exact: bool = False,
        lang: str = "en",
    ) -> pd.DataFrame:
        """Loss events as known at ``as_of``, with amounts accounted up to ``accounted_until``.

        Amounts are in the event's currency and, in ``*_reporting`` columns, in the reporting
        currency, each ledger line converted at its accounting date. Taxonomy columns are
        categoricals; ``*_name`` columns carry readable labels (``lang="zh"`` for Chinese).
        """
        from oprisk.projections import frames

        until = _to_date(accounted_until, "accounted_until")
        quote = currency_code(currency or self.reporting_currency)

        def lines_and_rates(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
            lines = frames.lines(conn, pos, until, exact)
            return lines, q.fx_at(conn, pos) if len(lines) else pd.DataFrame()

        with self.reading() as conn:
            pos = self.position(as_of, conn)
            head = self.store.head(conn)
            ev, (lines, fx) = self._side_by_side(
                conn, lambda cx: frames.versions(cx, pos, head), lines_and_rates
            )
        return _losses_frame(
            ev, lines, fx, quote, include_withdrawn, exact, lang, until is not None
        )

    def ledger(
        self,
        as_of: AsOf = None,
        accounted_until: date | str | None = None,
        *,
        currency: str | None = None,
    ) -> pd.DataFrame:
        """Impact and recovery lines known at ``as_of``, with reporting-currency amounts."""
        until = _to_date(accounted_until, "accounted_until")
        quote = currency_code(currency or self.reporting_currency)
        with self.reading() as conn:
            pos = self.position(as_of, conn)
            lines = q.ledger_at(conn, pos, until)
            fx = q.fx_at(conn, pos)
        if lines.empty:
            return lines
        return q.convert(lines, fx, quote, amount_cols=["amount", "gross_effect", "net_effect"])

    def history(self, event_id: str) -> pd.DataFrame:
        """Every version of one loss event, with the position and time it was valid from and to."""
        with self.reading() as conn:
            df = q._frame(
                conn,
                select(loss_event_versions)
                .where(loss_event_versions.c.event_id == event_id)
                .order_by(loss_event_versions.c.version),
            )
            if df.empty:
                raise EventNotFoundError(f"loss event {event_id!r} has not been reported")
            facts = self.store.read_stream(conn, event_id)
        df["actor"] = [f.meta.get("actor") for f in facts][: len(df)]
        df["payload"] = [f.payload for f in facts][: len(df)]
        return q.categorise(df)

    def state(self, event_id: str, as_of: AsOf = None) -> LossEventState:
        """The aggregate state of one event, replayed from its stream up to ``as_of``."""
        with self.reading() as conn:
            pos = self.position(as_of, conn)
            recs = self.store.read_stream(conn, event_id, up_to=pos)
        if not recs:
            raise EventNotFoundError(f"loss event {event_id!r} has not been reported")
        return states_from({event_id: recs})[event_id]

    def fx_rates(self, as_of: AsOf = None) -> pd.DataFrame:
        with self.reading() as conn:
            return q.fx_at(conn, self.position(as_of, conn)).reset_index(drop=True)

    def financials(self, as_of: AsOf = None) -> pd.DataFrame:
        with self.reading() as conn:
            return q.financials_at(conn, self.position(as_of, conn))

    def events(self, after: int = 0, up_to: int | None = None) -> list[RecordedEvent]:
        """The raw log (upcast), for audit and debugging."""
        with self.reading() as conn:
            return list(self.store.read_all(conn, after=after, up_to=up_to))

    # --- integrity ----------------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Re-walk every hash chain and compare the read models with a fresh rebuild."""
        with self.reading() as conn:
            return verify(conn, self.store)

    def rebuild(self) -> int:
        """Clear the read models and rebuild them from position 0; returns the facts replayed."""
        with self.writing() as conn:
            self.projector.clear(conn)
            rows = replay_rows(self.store.read_all(conn))
            write_rows(conn, rows)
            return self.store.head(conn)

    # --- assessments --------------------------------------------------------------------------

    def record_assessment(
        self, assessment: Any, *, unit: str, actor: str, assessed_on: date | str | None = None
    ) -> list[RecordedEvent]:
        """Record one unit's AHP assessment (``assessment.recorded``); see :mod:`oprisk.services.assessments`."""
        from oprisk.services.assessments import record_assessment

        return record_assessment(self, assessment, unit=unit, actor=actor, assessed_on=assessed_on)

    def assessments(self, as_of: AsOf = None) -> pd.DataFrame:
        """Assessments known at ``as_of``: one row per unit and date, the latest revision."""
        from oprisk.services.assessments import assessments

        return assessments(self, as_of)

    # --- loading files ------------------------------------------------------------------------

    def load(self, paths: Any, **kw: Any) -> Any:
        """Load incident, movement, financial or assessment files, idempotently and incrementally.

        Returns a :class:`~oprisk.ingest.load.LoadReport`; see :func:`oprisk.ingest.load.load`
        and ``docs/ingest.md`` ("Loading: idempotent and incremental").
        """
        from oprisk.ingest.load import load

        return load(self, paths, **kw)


def cutoff_time(as_of: datetime | date | str) -> datetime:
    """A knowledge cut-off as a UTC timestamp; a bare date means the end of that day (UTC)."""
    if isinstance(as_of, str):
        try:
            as_of = (
                datetime.fromisoformat(as_of)
                if ("T" in as_of or " " in as_of)
                else date.fromisoformat(as_of)
            )
        except ValueError:
            raise ConfigurationError(
                invalid("as_of", as_of, "must be an ISO date or timestamp")
            ) from None
    if isinstance(as_of, datetime):
        return utc(as_of)
    return datetime.combine(as_of + timedelta(days=1), time.min, UTC) - timedelta(microseconds=1)


def _to_date(value: date | str | None, name: str) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigurationError(invalid(name, value, "must be an ISO date (YYYY-MM-DD)")) from None


_LOSS_COLUMNS = [
    "event_id",
    "title",
    "event_type",
    "event_type_l1",
    "event_type_name",
    "cause",
    "cause_name",
    "business_line",
    "business_line_l1",
    "business_line_name",
    "legal_entity",
    "org_unit",
    "occurred_on",
    "discovered_on",
    "first_accounted_on",
    "status",
    "near_miss",
    "gain",
    "credit_boundary",
    "market_boundary",
    "legal",
    "root_event_id",
    "excluded",
    "exclusion_reference",
    "currency",
    *q.AMOUNTS,
    "reporting_currency",
    *(f"{a}_reporting" for a in q.AMOUNTS),
    "source",
    "external_id",
    "reported_by",
    "version",
    "description",
]


def _losses_frame(
    ev: pd.DataFrame,
    lines: pd.DataFrame,
    fx: pd.DataFrame,
    quote: str,
    include_withdrawn: bool,
    exact: bool,
    lang: str,
    only_accounted: bool,
) -> pd.DataFrame:
    from oprisk.projections import frames

    return frames.losses_frame(
        ev, lines, fx, quote, include_withdrawn, exact, lang, only_accounted, _LOSS_COLUMNS
    )


def _sum_lines(lines: pd.DataFrame, fx: pd.DataFrame, quote: str, exact: bool) -> pd.DataFrame:
    from oprisk.projections import frames

    return frames.sum_lines(lines, fx, quote, exact)
