"""What an attacker with write access to the database does, as SQL on a real database.

The attacker here is a database writer with the owner's (or a superuser's) rights: they can drop
or disable the append-only triggers and change any row. They know the hash algorithm (it is in
the source) and can recompute every hash and rebuild the read models. What they do not have is
the checkpoint signing key, nor the checkpoints kept outside the database.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select, text, update

from oprisk.domain import commands as c
from oprisk.store.chain import event_body, fact_hash
from oprisk.store.schema import GENESIS, events, log_head

SQLITE_GUARDS = (
    "events_no_update",
    "events_no_delete",
    "log_head_guard",
    "log_head_no_delete",
    "closed_versions_unchanged",
)
PG_GUARDED = ("events", "log_head", "loss_event_versions")


def disable_guards(conn: Connection) -> None:
    """What the table owner can do: switch the append-only and log-head triggers off."""
    if conn.dialect.name == "postgresql":
        for table in PG_GUARDED:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        for name in SQLITE_GUARDS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rows(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(events).order_by(events.c.position))]


def rehash(conn: Connection) -> None:
    """Recompute every hash from the rows as they now are (the public algorithm), and point the
    log head at the last fact: the log is consistent again, as far as the database can tell."""
    tips: dict[str, str] = {}
    log_prev = GENESIS
    last = 0
    for r in rows(conn):
        prev = tips.get(r["stream_id"], GENESIS)
        digest = fact_hash(prev, log_prev, event_body(r))
        if (r["prev_hash"], r["hash"]) != (prev, digest):
            conn.execute(
                update(events)
                .where(events.c.position == r["position"])
                .values(prev_hash=prev, hash=digest)
            )
        tips[r["stream_id"]] = log_prev = digest
        last = r["position"]
    conn.execute(update(log_head).values(position=last, hash=log_prev))


def set_payload(conn: Connection, position: int, **changes: Any) -> None:
    payload = conn.execute(select(events.c.payload).where(events.c.position == position)).scalar()
    conn.execute(
        update(events).where(events.c.position == position).values(payload={**payload, **changes})
    )


def renumber_after(conn: Connection, position: int, by: int = 1) -> None:
    """Move every fact after ``position`` down by ``by`` (through negative positions: a primary
    key is checked row by row)."""
    conn.execute(
        text("UPDATE events SET position = -(position - :by) WHERE position > :p"),
        {"by": by, "p": position},
    )
    conn.execute(text("UPDATE events SET position = -position WHERE position < 0"))


def seed(db: Any) -> None:
    """Twelve facts in four streams, in several transactions (so times differ)."""
    for i, (et, bl) in enumerate([("ET7", "BL3"), ("ET2", "BL2"), ("ET4", "BL1")], start=1):
        db.report(
            f"E{i}",
            actor="ann",
            title=f"loss {i}",
            event_type=et,
            business_line=bl,
            occurred_on=date(2025, 1, i),
            discovered_on=date(2025, 2, i),
            currency="EUR",
        )
    db.execute(
        [
            c.RecordImpact(
                event_id=f"E{i}",
                actor="ann",
                amount=str(10_000 * i),
                currency="EUR",
                accounted_on=date(2025, 3, i),
            )
            for i in (1, 2, 3)
        ]
    )
    db.record_fx_rate("USD", date(2025, 1, 1), "0.9", actor="fx")
    db.record_recovery(
        "E1", actor="ann", amount="1000", currency="EUR", accounted_on=date(2025, 4, 1)
    )
    db.reclassify("E2", actor="bob", business_line="BL3", reason="moved")
    db.submit("E3", actor="ann")
    db.approve("E3", actor="bob")
    db.record_impact("E1", actor="ann", amount="500", currency="EUR", accounted_on=date(2025, 5, 1))


def shift_time(conn: Connection, position: int, delta: timedelta) -> None:
    t = conn.execute(select(events.c.recorded_at).where(events.c.position == position)).scalar()
    conn.execute(update(events).where(events.c.position == position).values(recorded_at=t + delta))
