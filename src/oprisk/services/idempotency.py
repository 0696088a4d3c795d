"""Idempotency records: the first response to a request sent with an ``Idempotency-Key``.

A retried request (same principal, same key) gets the stored response back and runs nothing. A
command's answer is recorded in the append's own transaction (:meth:`Idempotency.record`), so
facts and answer commit together. The facts are also protected by the store's own idempotency
key, which the command carries as ``http:<principal>:<key>``: if two copies of a request race,
the store appends once and :meth:`Idempotency.appended` finds the winner's facts, from which an
answer can be rebuilt when none is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from oprisk.store.eventstore import RecordedEvent, utc
from oprisk.store.schema import events, http_idempotency

if TYPE_CHECKING:
    from oprisk.ports import Transactions

_INSERTS = {
    "postgresql": pg_insert(http_idempotency).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(http_idempotency).on_conflict_do_nothing(),
}


@dataclass(frozen=True)
class StoredResponse:
    """A response as first sent, and the request it answered."""

    principal: str
    idempotency_key: str
    request_hash: str
    request_id: str
    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: str
    created_at: datetime | None = None


class Idempotency:
    """Stored first responses, per principal and key."""

    def __init__(self, uow: Transactions) -> None:
        self.uow = uow

    def find(self, principal: str, key: str) -> StoredResponse | None:
        t = http_idempotency.c
        with self.uow.reading() as conn:
            row = conn.execute(
                select(http_idempotency).where(t.principal == principal, t.idempotency_key == key)
            ).first()
        if row is None:
            return None
        d = dict(row._mapping)
        d["created_at"] = utc(d["created_at"])
        return StoredResponse(**d)

    def save(self, **fields: Any) -> StoredResponse:
        """Store a first response (the fields of :class:`StoredResponse`) in a transaction of its
        own; if another copy of the request stored one first, that one wins and is returned."""
        values = {**StoredResponse(**fields).__dict__, "created_at": datetime.now(UTC)}
        with self.uow.writing() as conn:
            done = self._insert(conn, values)
        if done:
            return StoredResponse(**values)
        stored = self.find(values["principal"], values["idempotency_key"])
        assert stored is not None
        return stored

    def record(self, conn: Connection, **fields: Any) -> StoredResponse | None:
        """Store a first response in ``conn``'s transaction and return it; ``None`` if the key
        already has one."""
        stored = StoredResponse(**fields, created_at=datetime.now(UTC))
        return stored if self._insert(conn, stored.__dict__) else None

    @staticmethod
    def _insert(conn: Connection, values: dict[str, Any]) -> bool:
        # one statement per dialect, the values bound as parameters: a statement built with
        # ``.values(**values)`` coerced every value and computed a new cache key on each call
        stmt = _INSERTS["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
        return bool(conn.execute(stmt, values).rowcount)

    def appended(self, store_key: str, stream_id: str) -> list[RecordedEvent]:
        """The facts a command appended to ``stream_id`` under the store idempotency key
        ``store_key`` (the store keys them ``{store_key}:{stream_id}#0``, ``#1`` …)."""
        prefix = f"{store_key}:{stream_id}#"
        e = events.c
        with self.uow.reading() as conn:
            first = conn.execute(
                select(e.position).where(e.idempotency_key == prefix + "0")
            ).scalar()
            if first is None:
                return []
            recs = self.uow.store.read_stream(conn, stream_id)
            keys = dict(
                conn.execute(
                    select(e.position, e.idempotency_key).where(
                        e.stream_id == stream_id, e.position >= first
                    )
                ).all()
            )
        return [
            r
            for r in recs
            if r.position >= first and (keys.get(r.position) or "").startswith(prefix)
        ]
