"""Re-chaining a log written before the global chain (migration 0004), once, as a fact.

History is never rewritten: the old facts keep their hashes. Their global chain
``G_k = sha256(G_(k-1) ‖ hash_k)`` is computed once, after checking every old hash against its
fact (a log that fails is not re-chained: an upgrade must not bless tampering), and a
``log.rechained`` fact recording ``G`` and the number of old facts is appended with ``G`` as its
log predecessor. Every later fact is chained through it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from oprisk.errors import IntegrityError
from oprisk.store.chain import (
    GENESIS,
    LOG_STREAM,
    RECHAINED,
    event_body,
    legacy_hash,
    legacy_link,
    rechain_position,
)
from oprisk.store.eventstore import EventStore, NewEvent
from oprisk.store.schema import events, log_head


def legacy_chain(conn: Connection, page: int = 5000) -> tuple[int, str]:
    """(facts, global chain) over a log hashed by the old scheme; raises ``IntegrityError`` naming
    the first fact whose stored hash does not match its content or whose stream link is broken."""
    tips: dict[str, str] = {}
    g, n, after = GENESIS, 0, 0
    while True:
        rows = conn.execute(
            select(events).where(events.c.position > after).order_by(events.c.position).limit(page)
        ).all()
        if not rows:
            return n, g
        for row in rows:
            r = row._mapping
            n += 1
            if (
                r["position"] != n
                or r["prev_hash"] != tips.get(r["stream_id"], GENESIS)
                or r["hash"] != legacy_hash(r["prev_hash"], event_body(dict(r)))
            ):
                raise IntegrityError(
                    f"the fact at position {r['position']} (stream {r['stream_id']!r}, version "
                    f"{r['version']}) does not match its stored hash chain: the log was changed "
                    "behind the store's back; it is not re-chained (investigate with the "
                    "previous oprisk version's `oprisk verify`)"
                )
            tips[r["stream_id"]] = r["hash"]
            g = legacy_link(g, r["hash"])
        after = rows[-1].position


def rechain(conn: Connection, store: EventStore | None = None) -> dict[str, Any] | None:
    """Re-chain a log of old facts once: append ``log.rechained`` (returns its payload), or do
    nothing for an empty log or one already re-chained."""
    if rechain_position(conn) is not None:
        return None
    n, g = legacy_chain(conn)
    if n == 0:
        return None
    conn.execute(update(log_head).where(log_head.c.id == 1).values(hash=g))
    payload = {
        "scheme": 2,
        "legacy_facts": n,
        "legacy_head": g,
        "reason": "hash chain extended through the whole log in position order (migration 0004)",
    }
    meta = {"actor": "oprisk db upgrade", "command": "migration 0004"}
    (store or EventStore()).append(
        conn, LOG_STREAM, LOG_STREAM, [NewEvent(RECHAINED, payload, 1, meta)]
    )
    return payload
