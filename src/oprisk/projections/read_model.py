"""The read-model queries: loss events, ledger lines, FX rates and financials as known at a cut-off.

Every query takes a knowledge cut-off ``as_of`` (a position, a timestamp, a date meaning the end of
that day in UTC, or ``None`` for now) and, where amounts are involved, a business cut-off
``accounted_until``. Answers are pandas DataFrames read in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from oprisk.domain.loss_event import LossEventState
from oprisk.domain.money import currency_code
from oprisk.errors import ConfigurationError, EventNotFoundError, invalid
from oprisk.projections import capital_reads, columns, frames
from oprisk.projections import queries as q
from oprisk.projections.approval import awaiting_approval
from oprisk.projections.dtypes import analyst_types
from oprisk.projections.filters import Values, loss_filter
from oprisk.projections.projector import states_from
from oprisk.store.eventstore import RecordedEvent
from oprisk.store.schema import loss_event_versions
from oprisk.store.unit_of_work import AsOf, UnitOfWork

#: Columns of :meth:`ReadModel.losses`, in order.
LOSS_COLUMNS = [
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
    "pending",
    "awaiting_approval",
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


class ReadModel:
    """As-of queries on the read models (and the raw log), in ``reporting_currency`` by default."""

    def __init__(self, uow: UnitOfWork, reporting_currency: str) -> None:
        self.uow = uow
        self.reporting_currency = reporting_currency

    def __repr__(self) -> str:
        return f"<ReadModel {self.uow.engine.url.render_as_string()} reporting in {self.reporting_currency}>"

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
        year: int | None = None,
        business_line: Values = None,
        event_type: Values = None,
        legal_entity: Values = None,
        source: Values = None,
    ) -> pd.DataFrame:
        """Loss events as known at ``as_of``, with amounts accounted up to ``accounted_until``.

        ``year``, ``business_line``, ``event_type``, ``legal_entity`` and ``source`` keep only
        the events that match, filtered in the database (:mod:`oprisk.projections.filters`:
        ``year`` is the year of ``first_accounted_on``; codes or labels of either level; one
        value or several).

        Amounts are in the event's currency and, in ``*_reporting`` columns, in the reporting
        currency, each ledger line converted at its accounting date. Taxonomy columns are
        categoricals; ``*_name`` columns carry readable labels (``lang="zh"`` for Chinese).
        ``pending`` names a change awaiting a second actor's approval (exclusion, withdrawal,
        reopening); ``awaiting_approval`` is true for an event above the approval threshold
        that is not approved (:mod:`oprisk.projections.approval`): it does not count yet.
        """
        until = to_date(accounted_until, "accounted_until")
        quote = currency_code(currency or self.reporting_currency)
        wanted = loss_filter(year, business_line, event_type, legal_entity, source)

        def where(cx: Connection, events: bool) -> tuple[str, list[Any]]:
            if not wanted:
                return "", []
            param = partial(columns.date_param, cx)
            if events:
                return wanted.events_sql(pos, head, until, param)
            return wanted.sql(pos, until, param)

        def summed_lines(conn: Connection) -> dict[str, Any]:
            # summed as soon as read: the lines are freed before the frame is built
            lines = frames.lines(conn, pos, until, exact, where(conn, True))
            fx = q.fx_at(conn, pos) if len(lines) else pd.DataFrame()
            amounts = frames.sum_lines(lines, fx, quote, exact)
            del lines
            columns.release_freed()  # what reading and summing them left behind
            return amounts

        with self.uow.reading() as conn:
            pos = self.uow.position(as_of, conn)
            head = self.uow.store.head(conn)
            # one after the other, the lines first: their sums are all that is kept of them
            amounts = summed_lines(conn)
            ev = frames.versions(conn, pos, head, where(conn, False))
            waiting = awaiting_approval(conn, pos, head)
            when = self.uow.store.time_of(conn, pos)
        out = frames.losses_frame(
            ev, amounts, quote, include_withdrawn, exact, lang, until is not None, LOSS_COLUMNS
        )
        out["awaiting_approval"] = out.event_id.isin(waiting) if waiting else False
        return _stamped(out, pos, when, until, quote)

    def loss_inputs(
        self, as_of: AsOf, accounted_from: date, accounted_until: date
    ) -> capital_reads.LossInputs:
        """What the capital loss data are computed from, in one transaction: every event's
        flags and classification, the ledger lines accounted in ``accounted_from …
        accounted_until`` (net effects exact), the FX rates and the events awaiting approval,
        all as known at ``as_of`` (see :mod:`oprisk.projections.capital_reads`)."""
        with self.uow.reading() as conn:
            pos = self.uow.position(as_of, conn)
            head = self.uow.store.head(conn)
            events = capital_reads.event_flags(conn, pos, head)
            lines = capital_reads.window_lines(conn, pos, accounted_from, accounted_until)
            fx = q.fx_at(conn, pos)
            waiting = awaiting_approval(conn, pos, head)
        return capital_reads.LossInputs(events, lines, fx, waiting)

    def ledger(
        self,
        as_of: AsOf = None,
        accounted_until: date | str | None = None,
        *,
        currency: str | None = None,
        exact: bool = False,
    ) -> pd.DataFrame:
        """Impact and recovery lines known at ``as_of``, with reporting-currency amounts.

        ``accounted_on`` is ``datetime64``; amounts are float64, or exact ``Decimal`` objects with
        ``exact=True`` (the ``*_reporting`` conversions stay float64)."""
        until = to_date(accounted_until, "accounted_until")
        quote = currency_code(currency or self.reporting_currency)
        with self.uow.reading() as conn:
            pos = self.uow.position(as_of, conn)
            lines = q.ledger_at(conn, pos, until)
            fx = q.fx_at(conn, pos)
            when = self.uow.store.time_of(conn, pos)
        amounts = ["amount", "gross_effect", "net_effect"]
        if lines.empty:
            lines = lines.assign(**{f"{a}_reporting": [] for a in amounts})
        else:
            lines = q.convert(lines, fx, quote, amount_cols=amounts)
        return _stamped(analyst_types(lines, exact), pos, when, until, quote)

    def history(self, event_id: str, *, exact: bool = False) -> pd.DataFrame:
        """Every version of one loss event, with the position and time it was valid from and to
        (``valid_to_position`` is ``<NA>`` for the current version)."""
        with self.uow.reading() as conn:
            df = q._frame(
                conn,
                select(loss_event_versions)
                .where(loss_event_versions.c.event_id == event_id)
                .order_by(loss_event_versions.c.version),
            )
            if df.empty:
                raise EventNotFoundError(f"loss event {event_id!r} has not been reported")
            facts = self.uow.store.read_stream(conn, event_id)
        df["actor"] = [f.meta.get("actor") for f in facts][: len(df)]
        df["payload"] = [f.payload for f in facts][: len(df)]
        return analyst_types(q.categorise(df), exact)

    def state(self, event_id: str, as_of: AsOf = None) -> LossEventState:
        """The aggregate state of one event, replayed from its stream up to ``as_of``."""
        with self.uow.reading() as conn:
            pos = self.uow.position(as_of, conn)
            recs = self.uow.store.read_stream(conn, event_id, up_to=pos)
        if not recs:
            raise EventNotFoundError(f"loss event {event_id!r} has not been reported")
        return states_from({event_id: recs})[event_id]

    def fx_rates(self, as_of: AsOf = None) -> pd.DataFrame:
        """FX rates known at ``as_of``: one row per (currency, quote, rate date), the latest revision."""
        with self.uow.reading() as conn:
            return q.fx_at(conn, self.uow.position(as_of, conn)).reset_index(drop=True)

    def financials(self, as_of: AsOf = None) -> pd.DataFrame:
        """Financial inputs known at ``as_of``: one row per entity, year, item and business line."""
        with self.uow.reading() as conn:
            return q.financials_at(conn, self.uow.position(as_of, conn))

    def events(self, after: int = 0, up_to: int | None = None) -> list[RecordedEvent]:
        """The raw log (upcast), for audit and debugging."""
        with self.uow.reading() as conn:
            return list(self.uow.store.read_all(conn, after=after, up_to=up_to))


def _stamped(
    frame: pd.DataFrame, position: int, when: datetime | None, until: date | None, currency: str
) -> pd.DataFrame:
    """The frame with the cut-offs it answers in ``attrs`` (plots read them), as JSON values:
    ISO text for the time and the date, so that the frame serialises anywhere."""
    frame.attrs.update(
        cutoff_position=position,
        cutoff_time=when.isoformat() if when else None,
        accounted_until=until.isoformat() if until else None,
        currency=currency,
    )
    return frame


def to_date(value: date | str | None, name: str) -> date | None:
    """A business date from a ``date`` or an ISO string (``None`` stays ``None``)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigurationError(invalid(name, value, "must be an ISO date (YYYY-MM-DD)")) from None
