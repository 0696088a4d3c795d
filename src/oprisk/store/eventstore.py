"""The append-only event store on SQLAlchemy Core (design.md §2).

* a global, gap-free ``position``: every append locks the single ``log_head`` row, so writers are
  serialised and positions become visible in commit order (a reader tailing the log never skips a
  late commit);
* a per-stream ``version`` with expected-version appends (``ConcurrencyError`` on a clash);
* idempotency keys: a re-sent append is skipped (nothing appended) instead of duplicating facts;
* hash chains per stream and through the whole log:
  ``hash = sha256(stream_prev ‖ log_prev ‖ canonical JSON of the event)`` (:mod:`.chain`);
* upcasting on read; backend errors translated into :mod:`oprisk.errors`.

The store works inside a connection whose transaction the caller owns, so read models can be
updated in the same transaction as the append (:mod:`oprisk.projections`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy import exc as sa_exc

from oprisk.errors import ConcurrencyError, SchemaError, StoreError
from oprisk.store.bulk import RawJSON, insert_rows
from oprisk.store.chain import GENESIS, body_text, canonical, event_body, fact_hash, utc
from oprisk.store.schema import events, log_head
from oprisk.store.upcasting import Upcasters, default_upcasters

__all__ = [
    "ANY",
    "GENESIS",
    "NO_STREAM",
    "Append",
    "EventStore",
    "NewEvent",
    "RecordedEvent",
    "canonical",
    "chain_hash",
    "translated",
    "utc",
]

ANY = -1  # expected_version: append whatever the stream's version is
NO_STREAM = 0  # expected_version: the stream must not exist yet

# The key and stream look-ups run once or more per append: built once, with the list bound as
# one expanding parameter, so no call coerces its values one by one or computes a cache key.
_STORED_KEYS = select(events.c.idempotency_key).where(
    events.c.idempotency_key.in_(bindparam("keys", expanding=True))
)
_STREAMS = select(events).where(events.c.stream_id.in_(bindparam("ids", expanding=True)))
_LAST = (
    select(events.c.stream_id, func.max(events.c.version).label("v"))
    .where(events.c.stream_id.in_(bindparam("ids", expanding=True)))
    .group_by(events.c.stream_id)
).subquery()
_TIPS = select(events.c.stream_id, events.c.version, events.c.hash).join(
    _LAST, (events.c.stream_id == _LAST.c.stream_id) & (events.c.version == _LAST.c.v)
)
# The head is read twice and moved once per write transaction: building these statements on each
# call (and the cache key SQLAlchemy computes for a new statement) cost three times the read.
_HEAD = select(log_head.c.position, log_head.c.recorded_at, log_head.c.hash).where(
    log_head.c.id == 1
)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_MOVE_HEAD = (
    update(log_head)
    .where(log_head.c.id == 1)
    .values(
        position=bindparam("to_position"),
        recorded_at=bindparam("to_time"),
        hash=bindparam("to_hash"),
    )
)


@dataclass(frozen=True)
class NewEvent:
    """A fact to append: its stable name, schema version, JSON payload and metadata."""

    event_type: str
    payload: dict[str, Any]
    schema_version: int = 1
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Append:
    """One stream's part of a batch."""

    stream_id: str
    stream_type: str
    events: Sequence[NewEvent]
    expected_version: int = ANY
    idempotency_key: str | None = None


@dataclass(frozen=True)
class RecordedEvent:
    """A fact as stored: envelope and payload (upcast to the current schema on read)."""

    position: int
    stream_id: str
    stream_type: str
    version: int
    event_type: str
    schema_version: int
    payload: dict[str, Any]
    meta: dict[str, Any]
    recorded_at: datetime
    prev_hash: str
    hash: str


def chain_hash(prev_hash: str, e: RecordedEvent | dict[str, Any], log_prev: str) -> str:
    """The hash of one event given its stream predecessor's hash and the hash of the fact before
    it in the log: ``sha256(prev_hash ‖ log_prev ‖ canonical JSON of {event_type, meta, payload,
    position, recorded_at, schema_version, stream_id, stream_type, version})``
    (:mod:`oprisk.store.chain`)."""
    d = e if isinstance(e, dict) else e.__dict__
    return fact_hash(prev_hash, log_prev, event_body(d))


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def translated() -> Iterator[None]:
    """Turn driver errors into oprisk errors (design.md §2: they never escape the store)."""
    try:
        yield
    except sa_exc.IntegrityError as err:
        text = str(err.orig).lower()
        if "stream_version" in text or "stream_id" in text:
            raise ConcurrencyError(
                f"another writer appended to the stream first: {err.orig}"
            ) from err
        raise StoreError(f"integrity error: {err.orig}") from err
    except (sa_exc.OperationalError, sa_exc.ProgrammingError) as err:
        text = str(err.orig).lower()
        if "no such table" in text or ("relation" in text and "does not exist" in text):
            raise SchemaError("the database has no oprisk schema: run `oprisk db upgrade`") from err
        raise StoreError(f"database error: {err.orig}") from err
    except sa_exc.DBAPIError as err:
        raise StoreError(f"database error: {err.orig}") from err


class EventStore:
    """Append and read facts. Stateless apart from its clock and upcasters."""

    def __init__(
        self, clock: Callable[[], datetime] = _now, upcasters: Upcasters | None = None
    ) -> None:
        self.clock = clock
        self.upcasters = upcasters or default_upcasters()

    # --- writing ------------------------------------------------------------------------------

    def append(
        self,
        conn: Connection,
        stream_id: str,
        stream_type: str,
        new: Sequence[NewEvent],
        expected_version: int = ANY,
        idempotency_key: str | None = None,
    ) -> list[RecordedEvent]:
        """Append facts to one stream; see :meth:`append_batch`."""
        return self.append_batch(
            conn, [Append(stream_id, stream_type, new, expected_version, idempotency_key)]
        )

    def append_batch(
        self,
        conn: Connection,
        appends: Sequence[Append],
        locked: tuple[int, datetime | None, str] | None = None,
    ) -> list[RecordedEvent]:
        """Append to several streams in the caller's transaction, with one insert for all.

        Raises ``ConcurrencyError`` when a stream's version differs from the expected one; an
        append whose idempotency key is already stored is skipped (its stored facts are returned).
        ``locked``: the head as :meth:`lock_head` gave it in this transaction, for a caller that
        has appended nothing since and found none of the appends' keys stored after that lock
        (the HTTP writer); neither is read again. The keys' unique index still refuses a copy.
        """
        with translated():
            if locked is None:
                head, last_time, log_prev = self.lock_head(conn)
                appends = self._drop_replayed(conn, appends)
            else:
                head, last_time, log_prev = locked
                appends = [a for a in appends if a.events]
            if not appends:
                return []
            tips = self._tips(conn, {a.stream_id for a in appends})
            now = max(utc(self.clock()), last_time) if last_time else utc(self.clock())
            now_text = canonical(now.isoformat())
            texts: dict[
                int, RawJSON
            ] = {}  # meta dicts are shared by a command's facts: one text each
            names: dict[str, str] = {}
            rows: list[dict[str, Any]] = []
            recorded: list[RecordedEvent] = []
            pos = head
            for a in appends:
                version, prev = tips.get(a.stream_id, (0, GENESIS))
                if a.expected_version != ANY and a.expected_version != version:
                    raise ConcurrencyError(
                        f"stream {a.stream_id!r} is at version {version}, expected {a.expected_version}"
                    )
                sid_text, stype_text = canonical(a.stream_id), canonical(a.stream_type)
                for i, ev in enumerate(a.events):
                    pos += 1
                    version += 1
                    payload_text = RawJSON(canonical(ev.payload))
                    meta_text = texts.get(id(ev.meta))
                    if meta_text is None:
                        meta_text = texts[id(ev.meta)] = RawJSON(canonical(ev.meta))
                    name_text = names.get(ev.event_type)
                    if name_text is None:
                        name_text = names[ev.event_type] = canonical(ev.event_type)
                    digest = fact_hash(
                        prev,
                        log_prev,
                        body_text(
                            name_text,
                            meta_text,
                            payload_text,
                            pos,
                            now_text,
                            ev.schema_version,
                            sid_text,
                            stype_text,
                            version,
                        ),
                    )
                    rows.append(
                        {
                            "position": pos,
                            "stream_id": a.stream_id,
                            "stream_type": a.stream_type,
                            "version": version,
                            "event_type": ev.event_type,
                            "schema_version": ev.schema_version,
                            "payload": payload_text,
                            "meta": meta_text,
                            "idempotency_key": f"{a.idempotency_key}#{i}"
                            if a.idempotency_key
                            else None,
                            "recorded_at": now,
                            "prev_hash": prev,
                            "hash": digest,
                        }
                    )
                    recorded.append(
                        RecordedEvent(
                            pos,
                            a.stream_id,
                            a.stream_type,
                            version,
                            ev.event_type,
                            ev.schema_version,
                            ev.payload,
                            ev.meta,
                            now,
                            prev,
                            digest,
                        )
                    )
                    prev = log_prev = digest
                tips[a.stream_id] = (version, prev)
            if rows:
                insert_rows(conn, events, rows)
                conn.execute(_MOVE_HEAD, {"to_position": pos, "to_time": now, "to_hash": log_prev})
            return recorded

    def lock_head(self, conn: Connection) -> tuple[int, datetime | None, str]:
        """The log head's position, time and hash, locked until ``conn``'s transaction ends
        (``FOR UPDATE`` on PostgreSQL; SQLite's write transaction holds the whole file)."""
        q = _HEAD_FOR_UPDATE if conn.dialect.name == "postgresql" else _HEAD
        row = conn.execute(q).first()
        if row is None:
            raise SchemaError("the event log has no head row: run `oprisk db upgrade`")
        last_time = utc(row.recorded_at) if row.recorded_at else None
        return int(row.position), last_time, str(row.hash)

    def stored_keys(self, conn: Connection, keys: Sequence[str]) -> set[str]:
        """Which of the fact idempotency keys ``keys`` (``<append key>#<i>``) are in the log."""
        seen: set[str] = set()
        for chunk in _chunks(list(keys), 500):
            seen.update(conn.execute(_STORED_KEYS, {"keys": list(chunk)}).scalars())
        return seen

    def _drop_replayed(self, conn: Connection, appends: Sequence[Append]) -> list[Append]:
        keyed = [f"{a.idempotency_key}#0" for a in appends if a.idempotency_key and a.events]
        seen = self.stored_keys(conn, keyed) if keyed else set()
        return [
            a
            for a in appends
            if a.events and not (a.idempotency_key and f"{a.idempotency_key}#0" in seen)
        ]

    def _tips(self, conn: Connection, stream_ids: set[str]) -> dict[str, tuple[int, str]]:
        tips: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(sorted(stream_ids), 500):
            rows = conn.execute(_TIPS, {"ids": list(chunk)})
            tips.update({r.stream_id: (r.version, r.hash) for r in rows})
        return tips

    # --- reading ------------------------------------------------------------------------------

    def head(self, conn: Connection) -> int:
        with translated():
            return int(
                conn.execute(select(log_head.c.position).where(log_head.c.id == 1)).scalar_one()
            )

    def position_at(self, conn: Connection, when: datetime) -> int:
        """The last position recorded at or before ``when`` (0 if none)."""
        with translated():
            q = select(func.max(events.c.position)).where(events.c.recorded_at <= utc(when))
            return int(conn.execute(q).scalar() or 0)

    def time_of(self, conn: Connection, position: int) -> datetime | None:
        with translated():
            t = conn.execute(
                select(events.c.recorded_at).where(events.c.position == position)
            ).scalar()
            return utc(t) if t else None

    def read_stream(
        self, conn: Connection, stream_id: str, up_to: int | None = None
    ) -> list[RecordedEvent]:
        q = select(events).where(events.c.stream_id == stream_id)
        if up_to is not None:
            q = q.where(events.c.position <= up_to)
        with translated():
            return [self._recorded(r._mapping) for r in conn.execute(q.order_by(events.c.version))]

    def read_streams(
        self, conn: Connection, stream_ids: Iterable[str]
    ) -> dict[str, list[RecordedEvent]]:
        out: dict[str, list[RecordedEvent]] = {}
        with translated():
            for chunk in _chunks(sorted(set(stream_ids)), 500):
                # no ORDER BY position: the primary key's order would tempt a planner without
                # statistics into reading the whole log; each stream is sorted here instead
                for r in conn.execute(_STREAMS, {"ids": list(chunk)}):
                    out.setdefault(r.stream_id, []).append(self._recorded(r._mapping))
        for recs in out.values():
            recs.sort(key=lambda e: e.position)
        return out

    def read_all(
        self,
        conn: Connection,
        after: int = 0,
        up_to: int | None = None,
        batch_size: int = 5000,
        upcast: bool = True,
    ) -> Iterator[RecordedEvent]:
        """Every fact in position order, read in pages."""
        while True:
            q = select(events).where(events.c.position > after)
            if up_to is not None:
                q = q.where(events.c.position <= up_to)
            with translated():
                rows = conn.execute(q.order_by(events.c.position).limit(batch_size)).all()
            if not rows:
                return
            for r in rows:
                yield self._recorded(r._mapping, upcast=upcast)
            after = rows[-1].position

    def read_by_stream(
        self,
        conn: Connection,
        facts: int = 10_000,
        first: str | None = None,
        last: str | None = None,
        upcast: bool = True,
    ) -> Iterator[list[RecordedEvent]]:
        """Every fact of streams ``first``..``last`` (inclusive; all when ``None``), a batch of
        whole streams at a time: about ``facts`` facts, streams in id order, each stream's facts
        in position order. Only one batch is held at once (a stream longer than ``facts`` is read
        whole, as one batch); each query is a range of the ``(stream_id, version)`` index."""
        if facts < 1:
            raise ValueError(f"invalid value {facts!r} for 'facts': must be ≥ 1")
        sid = events.c.stream_id
        after: str | None = None
        while True:
            q = select(events).order_by(sid, events.c.version).limit(facts)
            if after is not None:
                q = q.where(sid > after)
            elif first is not None:
                q = q.where(sid >= first)
            if last is not None:
                q = q.where(sid <= last)
            with translated():
                rows = conn.execute(q).all()
                if not rows:
                    return
                if len(rows) == facts:  # the last stream may go on past the page: next batch
                    tail = rows[-1].stream_id
                    rows = [r for r in rows if r.stream_id != tail] or conn.execute(
                        select(events).where(sid == tail).order_by(events.c.version)
                    ).all()
            after = rows[-1].stream_id
            batch = [self._recorded(r._mapping, upcast=upcast) for r in rows]
            del rows
            # streams stay in the database's id order; each replays in log order (what
            # read_streams gives), whatever its versions say
            yield [
                e
                for _, run in groupby(batch, key=lambda e: e.stream_id)
                for e in sorted(run, key=lambda e: e.position)
            ]

    def _recorded(self, r: Any, upcast: bool = True) -> RecordedEvent:
        event_type, version, payload = r["event_type"], r["schema_version"], r["payload"]
        if upcast:
            version, payload = self.upcasters.upcast(event_type, version, payload)
        return RecordedEvent(
            position=r["position"],
            stream_id=r["stream_id"],
            stream_type=r["stream_type"],
            version=r["version"],
            event_type=event_type,
            schema_version=version,
            payload=payload,
            meta=r["meta"],
            recorded_at=utc(r["recorded_at"]),
            prev_hash=r["prev_hash"],
            hash=r["hash"],
        )


def _chunks(items: Sequence[str], n: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
