"""The write side: commands decided against the stored state, appended, and projected in one transaction.

:class:`Recorder` reads the streams a batch of commands touches, runs the domain's ``decide`` /
``evolve`` on each, appends the facts with the expected versions, and updates the read models in
the same transaction, so a reader never sees facts without their read-model rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from oprisk.domain import commands as c
from oprisk.domain import events as e
from oprisk.domain.loss_event import LossEventState, decide, evolve, initial
from oprisk.domain.money import currency_code, to_decimal
from oprisk.domain.taxonomy import business_line
from oprisk.errors import ConcurrencyError, DomainError, InvalidLinkError, OpriskError, invalid
from oprisk.projections.approval import POLICY
from oprisk.projections.projector import (
    FINANCIALS,
    FX,
    LOSS_EVENT,
    Folded,
    Projector,
    states_from,
)
from oprisk.projections.state_cache import StateCache
from oprisk.store.eventstore import NO_STREAM, Append, NewEvent, RecordedEvent, translated
from oprisk.store.schema import loss_event_versions
from oprisk.store.unit_of_work import UnitOfWork


@contextmanager
def _collecting(errors: list[Any] | None, index: int, cmd: Any) -> Iterator[None]:
    try:
        yield
    except DomainError as err:
        if errors is None:
            raise
        errors.append((index, cmd, err))


@dataclass(frozen=True)
class Requested:
    """One request of a group commit (:meth:`Recorder.execute_many`): its commands, the store
    idempotency key, the facts' metadata and the versions the caller last saw."""

    commands: Sequence[c.Command]
    idempotency_key: str | None = None
    meta: dict[str, Any] | None = None
    expected: Mapping[str, int] | None = None


class Recorder:
    """Executes commands: loss-event commands, FX rates and financial inputs become facts."""

    def __init__(
        self,
        uow: UnitOfWork,
        reporting_currency: str,
        *,
        projector: Projector | None = None,
        cause_overrides: dict[str, str] | None = None,
    ) -> None:
        self.uow = uow
        self.reporting_currency = reporting_currency
        self.projector = projector or Projector()
        self.cause_overrides = cause_overrides

    def execute(
        self,
        commands: c.Command | Iterable[c.Command],
        *,
        idempotency_key: str | None = None,
        errors: list[Any] | None = None,
        meta: dict[str, Any] | None = None,
        expected: Mapping[str, int] | None = None,
        then: Callable[[Connection, list[RecordedEvent]], None] | None = None,
        conn: Connection | None = None,
    ) -> list[RecordedEvent]:
        """Decide and append commands in one transaction; returns the facts appended.

        Without ``errors`` the first rule broken raises and nothing is appended; with a list, each
        failing command is skipped and ``(index, command, error)`` appended to it. ``expected``
        maps event ids to the version the caller last saw (0: not reported yet): a stream at
        another version raises ``ConcurrencyError`` and nothing is appended. ``then(conn, facts)``
        runs in the same transaction after the append, for a write that must commit with it.
        With ``conn`` they run in a savepoint of that write transaction, which the caller commits
        (the HTTP service's group commit): an error rolls back this call's facts only.
        """
        cmds = [commands] if isinstance(commands, c.Command) else list(commands)
        if not cmds:
            return []
        if conn is None:
            with self.uow.writing() as cx:
                return self._execute(cx, cmds, idempotency_key, errors, meta, expected, then)
        with translated(), conn.begin_nested():
            return self._execute(conn, cmds, idempotency_key, errors, meta, expected, then)

    def _execute(
        self,
        conn: Connection,
        cmds: list[c.Command],
        idempotency_key: str | None,
        errors: list[Any] | None,
        meta: dict[str, Any] | None,
        expected: Mapping[str, int] | None,
        then: Callable[[Connection, list[RecordedEvent]], None] | None,
    ) -> list[RecordedEvent]:
        correlation = str(uuid.uuid4())
        ids = {x.event_id for x in cmds} | {
            x.root_event_id for x in cmds if isinstance(x, c.LinkLossEvent) and x.root_event_id
        }
        before = states_from(self.uow.store.read_streams(conn, ids | set(expected or ())))
        for sid, version in (expected or {}).items():
            have = before[sid].version if sid in before else 0
            if have != version:
                raise ConcurrencyError(
                    f"loss event {sid!r} is at version {have}, expected {version}"
                )
        working: dict[str, LossEventState] = dict(before)
        pending: dict[str, list[NewEvent]] = {}
        folded: dict[tuple[str, int], tuple[e.Fact, LossEventState]] = {}
        metas: dict[tuple[str, str], dict[str, Any]] = {}
        roots = self.group_roots(conn, cmds)
        for i, cmd in enumerate(cmds):
            with _collecting(errors, i, cmd):
                state = working.get(cmd.event_id) or initial(cmd.event_id)
                if isinstance(cmd, c.LinkLossEvent):
                    self.check_link(cmd, working, roots)
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
        if then is not None:
            then(conn, recorded)
        return recorded

    def execute_many(
        self, conn: Connection, requests: Sequence[Requested], cache: StateCache | None = None
    ) -> list[list[RecordedEvent] | OpriskError] | None:
        """Decide and append several independent requests in ``conn``'s write transaction with
        one read of their streams and one append (group commit): each request is decided on the
        state its predecessors in the batch left, and answered with its own facts, or with its
        own ``DomainError`` / ``ConcurrencyError`` (it then appends nothing and the others go
        on). A request whose idempotency key already appended, or appends earlier in the batch
        (a copy sent again before the first was answered), is answered ``[]`` and decided not at
        all, as :meth:`execute` does. ``None`` (nothing done) for a batch with a link,
        whose group roots the one-at-a-time path checks. With a ``cache`` begun in this
        transaction, the streams it holds are not read, and it stages the states after the batch
        (kept if the transaction commits: :meth:`StateCache.committed`)."""
        cmds_all = [x for r in requests for x in r.commands]
        if any(isinstance(x, c.LinkLossEvent) for x in cmds_all):
            return None
        store = self.uow.store
        keys: dict[str, list[int]] = {}
        for i, r in enumerate(requests):
            for x in r.commands if r.idempotency_key else ():
                keys.setdefault(f"{r.idempotency_key}:{x.event_id}#0", []).append(i)
        replayed = (
            {i for k in store.stored_keys(conn, list(keys)) for i in keys[k]} if keys else set()
        )
        taken: set[str] = set()  # the keys a request of this batch appends under
        ids = {x.event_id for x in cmds_all} | {s for r in requests for s in r.expected or ()}
        known = cache.states() if cache is not None else {}
        before = {sid: known[sid] for sid in ids if sid in known}
        before.update(states_from(store.read_streams(conn, ids - before.keys())))
        working: dict[str, LossEventState] = dict(before)
        folded: dict[tuple[str, int], tuple[e.Fact, LossEventState]] = {}
        appends: list[Append] = []
        out: list[list[RecordedEvent] | OpriskError] = []
        counts: list[int] = []
        for i, r in enumerate(requests):
            if r.idempotency_key in taken:
                replayed.add(i)  # a copy of a request earlier in this batch: as if it had committed
            if i in replayed:
                out.append([])
                continue
            try:
                mine, pending = self._decide_one(r, working, folded)
            except (DomainError, ConcurrencyError) as err:
                out.append(err)
                continue
            for sid, evs in pending.items():
                key = f"{r.idempotency_key}:{sid}" if r.idempotency_key else None
                version = working[sid].version if sid in working else NO_STREAM
                appends.append(Append(sid, LOSS_EVENT, evs, version, key))
            working.update(mine)
            if r.idempotency_key and pending:
                taken.add(r.idempotency_key)
            counts.append(sum(len(evs) for evs in pending.values()))
            out.append([])  # filled in below with the facts appended
        # with a cache the head was locked before the keys were looked up: the store need not
        # lock it or look them up again
        recorded = store.append_batch(conn, appends, cache.locked() if cache is not None else None)
        if len(recorded) != sum(counts):
            raise ConcurrencyError("another writer appended under a key of this batch")
        self.projector.apply(conn, recorded, before, folded)
        if cache is not None:
            cache.stage(working, recorded)
        at = 0
        for i, outcome in enumerate(out):
            if isinstance(outcome, list) and i not in replayed:
                n = counts.pop(0)
                out[i] = recorded[at : at + n]
                at += n
        return out

    def _decide_one(
        self,
        r: Requested,
        working: Mapping[str, LossEventState],
        folded: dict[tuple[str, int], tuple[e.Fact, LossEventState]],
    ) -> tuple[dict[str, LossEventState], dict[str, list[NewEvent]]]:
        """One request of :meth:`execute_many`: its streams' states after it and its new facts
        (``folded`` gains them only if every command of the request is allowed)."""
        for sid, version in (r.expected or {}).items():
            have = working[sid].version if sid in working else 0
            if have != version:
                raise ConcurrencyError(
                    f"loss event {sid!r} is at version {have}, expected {version}"
                )
        mine: dict[str, LossEventState] = {}
        pending: dict[str, list[NewEvent]] = {}
        new_folds: dict[tuple[str, int], tuple[e.Fact, LossEventState]] = {}
        correlation = str(uuid.uuid4())
        metas: dict[tuple[str, str], dict[str, Any]] = {}
        for cmd in r.commands:
            state = mine.get(cmd.event_id) or working.get(cmd.event_id) or initial(cmd.event_id)
            facts = decide(cmd, state, cause_overrides=self.cause_overrides)
            for f in facts:
                state = evolve(state, f)
                new_folds[(cmd.event_id, state.version)] = (f, state)
            mine[cmd.event_id] = state
            key = (cmd.actor, type(cmd).__name__)
            m = metas.get(key)
            if m is None:
                m = metas[key] = {
                    "actor": cmd.actor, "command": key[1], "correlation_id": correlation,
                    **(r.meta or {}),
                }  # fmt: skip
            pending.setdefault(cmd.event_id, []).extend(
                NewEvent(f.event_type, f.payload(), f.schema_version, m) for f in facts
            )
        folded.update(new_folds)
        return mine, {sid: evs for sid, evs in pending.items() if evs}

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
        recorded = self.uow.store.append_batch(conn, appends)
        # a replayed idempotency key appends nothing; the folded states then describe nothing
        self.projector.apply(conn, recorded, before, folded if recorded else None)
        return recorded

    def check_link(
        self, cmd: c.LinkLossEvent, working: Mapping[str, LossEventState], roots: set[str]
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
    def group_roots(conn: Connection, cmds: Sequence[c.Command]) -> set[str]:
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

    def set_approval_threshold(
        self, amount: Any, currency: str | None = None, *, actor: str
    ) -> list[RecordedEvent]:
        """Loss events above ``amount`` (in ``currency``, default the reporting currency) count
        in capital and exports only once approved; ``None`` switches the rule off."""
        value = None if amount is None else to_decimal(amount, "amount")
        f = e.ApprovalThresholdSet(
            amount=value, currency=currency_code(currency or self.reporting_currency)
        )
        return self._append_other(POLICY, POLICY, [f], actor)

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
        with self.uow.writing() as conn:
            m = {"actor": actor, **(meta or {})}
            appends = [
                Append(
                    sid,
                    FINANCIALS,
                    [NewEvent(f.event_type, f.payload(), f.schema_version, m) for f in fs],
                )
                for sid, fs in facts.items()
            ]
            recorded = self.uow.store.append_batch(conn, appends)
            self.projector.apply(conn, recorded, {})
        return recorded

    def _append_other(
        self, stream_id: str, stream_type: str, facts: list[e.Fact], actor: str
    ) -> list[RecordedEvent]:
        with self.uow.writing() as conn:
            new = [
                NewEvent(f.event_type, f.payload(), f.schema_version, {"actor": actor})
                for f in facts
            ]
            recorded = self.uow.store.append(conn, stream_id, stream_type, new)
            self.projector.apply(conn, recorded, {})
        return recorded
