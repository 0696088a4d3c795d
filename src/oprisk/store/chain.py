"""The hash chains of the log: one per stream and one through the whole log in position order.

Every fact's hash covers its content, its stream predecessor's hash and the hash of the fact
before it in the log::

    hash = sha256(stream_prev ‖ log_prev ‖ canonical JSON of the event)

so changing, removing, inserting or reordering any fact changes the hash of every fact after it,
and the hash of the last fact (the *head*) stands for the whole log up to it. A signed checkpoint
(:mod:`oprisk.store.checkpoint`) keeps a head outside the database.

Logs written before the global chain (``hash = sha256(stream_prev ‖ body)``, scheme 1) are not
rewritten: migration 0004 appends one ``log.rechained`` fact whose ``log_prev`` is the global
chain over the old facts, ``G_k = sha256(G_(k-1) ‖ hash_k)``, and records that value and the
number of old facts in its payload. From then on every fact is chained as above.

:func:`walk` checks a log in one pass in position order with constant memory (a page of rows at
a time); the stream links are checked by one SQL join (:func:`stream_link_problems`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

import orjson
from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.orm import aliased

from oprisk.store.bulk import RawJSON
from oprisk.store.engine import loads
from oprisk.store.schema import GENESIS, events, log_head

RECHAINED = "log.rechained"  # the fact migration 0004 appends to an existing log
LOG_STREAM = "log"  # its stream id and stream type


def utc(t: datetime) -> datetime:
    """Stored timestamps are UTC; SQLite hands them back naive."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def canonical(obj: Any) -> str:
    """Canonical JSON: keys sorted, no spaces, UTF-8 text (orjson; floats in shortest form)."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode()


def body_text(
    event_type: str,
    meta: str,
    payload: str,
    position: int,
    recorded_at: str,
    schema_version: int,
    stream_id: str,
    stream_type: str,
    version: int,
) -> str:
    """The canonical JSON of an event's body, assembled from the canonical text of its parts in
    key order (identical to ``canonical(body)``): each part is serialised once, and the store
    writes payload and meta as they are."""
    return (
        f'{{"event_type":{event_type},"meta":{meta},"payload":{payload},"position":{position},'
        f'"recorded_at":{recorded_at},"schema_version":{schema_version},"stream_id":{stream_id},'
        f'"stream_type":{stream_type},"version":{version}}}'
    )


def fact_hash(stream_prev: str, log_prev: str, body: str) -> str:
    """A fact's hash: ``sha256(stream_prev ‖ log_prev ‖ body)``."""
    return sha256((stream_prev + log_prev + body).encode()).hexdigest()


def legacy_hash(stream_prev: str, body: str) -> str:
    """A fact's hash in logs written before the global chain: ``sha256(stream_prev ‖ body)``."""
    return sha256((stream_prev + body).encode()).hexdigest()


def legacy_link(log_prev: str, legacy: str) -> str:
    """The global chain over a fact hashed by the old scheme: ``sha256(G_(k-1) ‖ hash_k)``."""
    return sha256((log_prev + legacy).encode()).hexdigest()


def event_body(e: Mapping[str, Any]) -> str:
    """The canonical body of a stored event (a row mapping or a ``RecordedEvent.__dict__``)."""
    payload, meta = e["payload"], e["meta"]
    return body_text(
        canonical(e["event_type"]),
        meta if isinstance(meta, RawJSON) else canonical(meta),
        payload if isinstance(payload, RawJSON) else canonical(payload),
        int(e["position"]),
        canonical(utc(e["recorded_at"]).isoformat()),
        int(e["schema_version"]),
        canonical(e["stream_id"]),
        canonical(e["stream_type"]),
        int(e["version"]),
    )


# --- checking a log ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing that does not match: where it is and what differs."""

    kind: str  # hash | chain | version | position | time | head | checkpoint | read_model
    detail: str
    stream_id: str | None = None
    version: int | None = None
    position: int | None = None

    def __str__(self) -> str:
        where = ", ".join(
            f"{k} {v}"
            for k, v in (
                ("stream", self.stream_id),
                ("version", self.version),
                ("position", self.position),
            )
            if v is not None
        )
        return f"{self.kind}: {self.detail}" + (f" ({where})" if where else "")


@dataclass
class Walk:
    """What one pass over the log found: facts, the last position and global hash, problems,
    and the global hash at each position asked for (``heads``)."""

    facts: int = 0
    last_position: int = 0
    head: str = GENESIS
    legacy_facts: int = 0
    problems: list[Problem] = field(default_factory=list)
    heads: dict[int, str] = field(default_factory=dict)


def rechain_position(conn: Connection) -> int | None:
    """The position of the ``log.rechained`` fact, if the log has one (facts before it are
    hashed by the old scheme)."""
    q = select(func.min(events.c.position)).where(
        events.c.stream_type == LOG_STREAM, events.c.event_type == RECHAINED
    )
    return conn.execute(q).scalar()


def walk(
    conn: Connection,
    want: Iterable[int] = (),
    limit: int = 50,
    *,
    counted: Callable[[int], object] | None = None,
    page: int = 5000,
) -> Walk:
    """Check every fact of the log in position order against its content and the fact before it,
    and note the global hash at each position in ``want`` (``counted`` is told the facts done, a
    thousand at a time).

    For each fact: positions follow on without a gap, the stored hash is the hash of its content,
    stream predecessor and log predecessor, and ``recorded_at`` never goes back. When no problem
    is found, the stored hashes are the chain recomputed from the content, so the head (and each
    noted hash) can be compared with a checkpoint.

    The log is read through the driver, a page at a time (:func:`stored_log`), and each fact is
    hashed once: on SQLite the body is assembled from the stored payload and meta text, which the
    store wrote canonical; only a fact whose hash does not match that way is hashed again with
    its payload and meta re-serialised canonically (what a store that wrote other text would
    need): a fact passes when its stored text, or its content serialised canonically, gives its
    hash.
    """
    result = Walk()
    wanted = sorted(set(want))
    w = 0
    rechained = rechain_position(conn)
    legacy_end = rechained - 1 if rechained else 0
    result.legacy_facts = legacy_end
    g = GENESIS
    expected = 1
    last_time: datetime | None = None
    texts: dict[str, str] = {}  # event and stream types, as canonical JSON
    timestamp = _timestamps(conn)
    raw_json = conn.dialect.name == "sqlite"  # PostgreSQL's jsonb keeps no text: re-serialise
    count = 0

    def note(problem: Problem) -> None:
        if len(result.problems) < limit:
            result.problems.append(problem)

    for pos, sid, stype, version, etype, schema, payload, meta, stamp, prev, digest in stored_log(
        conn, page
    ):
        pos = int(pos)
        result.facts += 1
        if pos != expected:
            what = "missing" if pos > expected else "out of order"
            note(
                Problem(
                    "position",
                    f"expected position {expected}, found {pos} (a fact {what})",
                    sid,
                    version,
                    min(pos, expected),
                )
            )
        while w < len(wanted) and wanted[w] < pos:
            w += 1  # a wanted position the log skips: it has no hash (the caller reports it)
        t, t_text = timestamp(stamp)
        etype_text = texts.get(etype) or texts.setdefault(etype, canonical(etype))
        stype_text = texts.get(stype) or texts.setdefault(stype, canonical(stype))
        parts = (etype_text, pos, t_text, int(schema), canonical(sid), stype_text, int(version))
        body = _body(parts, payload, meta) if raw_json else _body(parts, payload, meta, True)
        if pos <= legacy_end:
            ok = digest == legacy_hash(prev, body)
            if not ok and raw_json:
                ok = digest == legacy_hash(prev, _body(parts, payload, meta, True))
            g_next = legacy_link(g, digest)
        else:
            ok = digest == fact_hash(prev, g, body)
            if not ok and raw_json:
                ok = digest == fact_hash(prev, g, _body(parts, payload, meta, True))
            g_next = digest
            if pos == rechained:
                recorded = loads(payload) if isinstance(payload, str) else payload
                if recorded.get("legacy_head") != g or recorded.get("legacy_facts") != legacy_end:
                    note(
                        Problem(
                            "chain",
                            "the re-chain fact does not record the chain of the facts before it",
                            sid,
                            version,
                            pos,
                        )
                    )
        if not ok:
            note(
                Problem(
                    "hash",
                    "stored hash does not match the fact's content and the facts before it "
                    "(changed behind the store's back?)",
                    sid,
                    version,
                    pos,
                )
            )
        if last_time is not None and t is not last_time and t < last_time:
            note(
                Problem(
                    "time",
                    f"recorded at {t.isoformat()}, before the fact preceding it ({last_time.isoformat()})",
                    sid,
                    version,
                    pos,
                )
            )
        last_time = t
        g = g_next
        if w < len(wanted) and wanted[w] == pos:
            result.heads[pos] = g
            w += 1
        expected = pos + 1
        result.last_position = pos
        count += 1
        if counted is not None and count == 1000:
            counted(count)
            count = 0
    if counted is not None:
        counted(count)
    result.head = g
    return result


#: the events' columns a walk reads, in the order :func:`stored_log` gives them
LOG_COLUMNS: tuple[str, ...] = ("position", "stream_id", "stream_type", "version", "event_type")
LOG_COLUMNS += ("schema_version", "payload", "meta", "recorded_at", "prev_hash", "hash")


def stored_log(conn: Connection, page: int = 5000) -> Iterator[tuple[Any, ...]]:
    """Every fact as the driver hands it back (:data:`LOG_COLUMNS`), in position order, a page
    at a time on ``conn``'s transaction: payload and meta as JSON text, ``recorded_at`` as SQLite
    stores it (text) or as psycopg2 reads it (a datetime). No per-row conversion by SQLAlchemy."""
    pg = conn.dialect.name == "postgresql"
    cols = ", ".join(f"{c}::text" if pg and c in ("payload", "meta") else c for c in LOG_COLUMNS)
    mark = "%s" if pg else "?"
    sql = f"SELECT {cols} FROM events WHERE position > {mark} ORDER BY position LIMIT {mark}"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        after = 0  # facts below position 1 are found by head_problems
        while True:
            cursor.execute(sql, (after, page))
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            after = rows[-1][0]
    finally:
        cursor.close()


def _timestamps(conn: Connection) -> Callable[[Any], tuple[datetime, str]]:
    """Stored ``recorded_at`` → (UTC datetime, its canonical JSON), converted as SQLAlchemy
    converts it; the facts of one append share one time, so the last one is kept."""
    convert = events.c.recorded_at.type.dialect_impl(conn.dialect).result_processor(
        conn.dialect, None
    )
    last: Any = object()
    known = (datetime.min, "")

    def timestamp(stamp: Any) -> tuple[datetime, str]:
        nonlocal last, known
        if stamp != last or type(stamp) is not type(last):
            t = utc(convert(stamp) if convert else stamp)  # type: ignore[arg-type]
            last, known = stamp, (t, canonical(t.isoformat()))
        return known

    return timestamp


def _body(parts: tuple[Any, ...], payload: Any, meta: Any, reserialise: bool = False) -> str:
    """A fact's canonical body from its parts (canonical already) and its payload and meta: as
    stored (the canonical text the store wrote) or, with ``reserialise``, parsed and serialised
    canonically."""
    etype, pos, t, schema, sid, stype, version = parts
    if reserialise:
        meta = canonical(loads(meta) if isinstance(meta, str) else meta)
        payload = canonical(loads(payload) if isinstance(payload, str) else payload)
    return body_text(etype, meta, payload, pos, t, schema, sid, stype, version)


def stream_link_problems(conn: Connection, limit: int = 50) -> list[Problem]:
    """Facts whose stream predecessor is missing, later in the log, or has another hash than the
    fact's ``prev_hash`` (one join on ``UNIQUE(stream_id, version)``, in the database)."""
    e, p = events.alias("e"), aliased(events, name="p")
    q = (
        select(e.c.position, e.c.stream_id, e.c.version, p.c.position.label("prev_position"))
        .select_from(
            e.outerjoin(p, and_(p.c.stream_id == e.c.stream_id, p.c.version == e.c.version - 1))
        )
        .where(
            or_(
                e.c.version < 1,
                and_(e.c.version == 1, e.c.prev_hash != GENESIS),
                and_(
                    e.c.version > 1,
                    or_(
                        p.c.position.is_(None),
                        p.c.hash != e.c.prev_hash,
                        p.c.position >= e.c.position,
                    ),
                ),
            )
        )
        .order_by(e.c.position)
        .limit(limit)
    )
    out = []
    for r in conn.execute(q):
        if r.version > 1 and r.prev_position is None:
            detail = f"no version {r.version - 1} before it in the stream"
        elif r.version > 1 and r.prev_position >= r.position:
            detail = f"version {r.version - 1} of the stream comes later in the log"
        else:
            detail = "prev_hash does not match the previous fact's hash in the stream"
        kind = "version" if "version" in detail else "chain"
        out.append(Problem(kind, detail, r.stream_id, r.version, r.position))
    return out


def head_row(conn: Connection) -> tuple[int, str]:
    """The log head as stored: (position, hash)."""
    row = conn.execute(select(log_head.c.position, log_head.c.hash).where(log_head.c.id == 1)).one()
    return int(row.position), str(row.hash)


def head_problems(conn: Connection, w: Walk) -> list[Problem]:
    """The stored log head against a walk: it must name the last fact and its global hash; and no
    fact may hide below position 1, where a walk from the start does not look."""
    hidden = conn.execute(select(func.count()).where(events.c.position < 1)).scalar_one()
    if hidden:
        return [Problem("position", f"{hidden} fact(s) at positions below 1", position=1)]
    position, digest = head_row(conn)
    if position != w.last_position:
        return [
            Problem(
                "head",
                f"the log head says position {position}, the last fact is at {w.last_position}",
                position=min(position, w.last_position) + 1,
            )
        ]
    if digest != w.head:
        return [
            Problem(
                "head",
                "the log head's hash is not the global hash of the last fact",
                position=position,
            )
        ]
    return []


def head_at(conn: Connection, position: int) -> str:
    """The global hash at ``position`` as stored (the hash of the fact there; over the old facts
    of a re-chained log, the chain is computed). Not a check: :func:`walk` is."""
    if position <= 0:
        return GENESIS
    rechained = rechain_position(conn)
    if rechained is None or position >= rechained:
        h = conn.execute(select(events.c.hash).where(events.c.position == position)).scalar()
        return str(h) if h is not None else GENESIS
    g = GENESIS
    for h in _hashes(conn, position):
        g = legacy_link(g, h)
    return g


def _hashes(conn: Connection, up_to: int, page: int = 10_000) -> Iterator[str]:
    after = 0
    while after < up_to:
        rows = conn.execute(
            select(events.c.position, events.c.hash)
            .where(events.c.position > after, events.c.position <= up_to)
            .order_by(events.c.position)
            .limit(page)
        ).all()
        if not rows:
            return
        for r in rows:
            yield r.hash
        after = rows[-1].position
