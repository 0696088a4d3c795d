"""Principals of the HTTP service in the store: add, rotate, revoke, list, authenticate.

The facts (:mod:`oprisk.domain.principals`) are the only record: there is no table to keep in
step or to tamper with. :class:`Principals` folds them in memory and, before each look-up, reads
the principal facts appended since it last looked (one indexed query on ``(stream_type,
position)``), so a revocation or rotation takes effect on the very next request, also in another
server process.

Tokens are ``oprisk_<token id>_<secret>``: 16 hex digits that find the principal, then 256 random
bits. Only an argon2id hash of the whole token is stored. A token that verified once is
remembered in memory by its SHA-256 (never stored), so a request costs one hash, not one
argon2 verification.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from oprisk.domain.events import fact_from
from oprisk.domain.principals import (
    PRINCIPAL,
    Principal,
    PrincipalAdded,
    PrincipalRevoked,
    PrincipalTokenRotated,
    check_name,
    check_roles,
    evolve,
    fold,
    stream_id,
)
from oprisk.errors import ConfigurationError, DomainError, invalid
from oprisk.store.eventstore import NO_STREAM, NewEvent, RecordedEvent, utc
from oprisk.store.schema import events

if TYPE_CHECKING:
    from oprisk.ports import Transactions

_TOKEN = re.compile(r"oprisk_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")
_MAX_REMEMBERED = 10_000


def default_hasher() -> Any:
    """argon2id with argon2-cffi's default cost (RFC 9106's low-memory profile)."""
    try:
        from argon2 import PasswordHasher
    except ImportError:  # pragma: no cover - the http extra is missing
        raise ConfigurationError(
            "principals need argon2-cffi: pip install 'oprisk[http]'"
        ) from None
    return PasswordHasher()


def new_token() -> tuple[str, str]:
    """A fresh (token id, token)."""
    token_id = secrets.token_hex(8)
    return token_id, f"oprisk_{token_id}_{secrets.token_urlsafe(32)}"


class PrincipalNotFoundError(DomainError, LookupError):
    """A principal name that was never added."""


class Principals:
    """The principals known to one database, folded from the log and kept up to date."""

    def __init__(self, uow: Transactions, hasher: Any = None) -> None:
        self.uow = uow
        self._hasher = hasher  # an argon2 PasswordHasher; the default is made on first use
        self._lock = threading.Lock()
        self._seen = 0
        self._by_stream: dict[str, Principal] = {}
        self._by_token_id: dict[str, str] = {}
        self._verified: set[tuple[str, str]] = set()  # (sha256 of token, argon2 hash it matched)

    @property
    def hasher(self) -> Any:
        if self._hasher is None:
            self._hasher = default_hasher()
        return self._hasher

    @hasher.setter
    def hasher(self, value: Any) -> None:
        self._hasher = value

    # --- reading --------------------------------------------------------------------------------

    def refresh(self, conn: Connection | None = None) -> None:
        """Fold the principal facts appended since the last look."""
        if conn is None:
            with self.uow.reading() as cx:
                self.refresh(cx)
            return
        e = events.c
        rows = conn.execute(
            select(e.position, e.stream_id, e.event_type, e.payload, e.meta, e.recorded_at)
            .where(e.stream_type == PRINCIPAL, e.position > self._seen)
            .order_by(e.position)
        ).all()
        if not rows:
            return
        with self._lock:
            for r in rows:
                if r.position <= self._seen:
                    continue  # another thread folded it meanwhile
                before = self._by_stream.get(r.stream_id)
                after = evolve(
                    before,
                    fact_from(r.event_type, r.payload),
                    str(r.meta.get("actor", "")),
                    utc(r.recorded_at),
                )
                if before is not None:
                    self._by_token_id.pop(before.token_id, None)
                self._by_stream[r.stream_id] = after
                self._by_token_id[after.token_id] = r.stream_id
                self._seen = r.position

    def all(self) -> list[Principal]:
        """Every principal ever added (revoked ones too), by name."""
        self.refresh()
        with self._lock:
            return sorted(self._by_stream.values(), key=lambda p: fold(p.name))

    def get(self, name: str) -> Principal:
        self.refresh()
        p = self._by_stream.get(stream_id(name))
        if p is None:
            raise PrincipalNotFoundError(invalid("name", name, "no such principal"))
        return p

    def remembered(self, token: str) -> Principal | None:
        """The principal of a token that verified before, from memory alone (no database, no
        argon2); ``None`` when the token is not known to be good. Facts appended since the last
        look are not seen: confirm with :meth:`authenticate` before acting."""
        m = _TOKEN.fullmatch(token)
        if m is None:
            return None
        with self._lock:
            sid = self._by_token_id.get(m[1])
            p = self._by_stream.get(sid) if sid else None
            if p is None or not p.active:
                return None
            known = (hashlib.sha256(token.encode()).hexdigest(), p.token_hash) in self._verified
        return p if known else None

    def authenticate(self, token: str) -> Principal | None:
        """The active principal a bearer token belongs to, or ``None``."""
        m = _TOKEN.fullmatch(token)
        if m is None:
            return None
        self.refresh()
        with self._lock:
            sid = self._by_token_id.get(m[1])
            p = self._by_stream.get(sid) if sid else None
        if p is None or not p.active:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        if (digest, p.token_hash) in self._verified:
            return p
        from argon2.exceptions import VerificationError

        try:
            self.hasher.verify(p.token_hash, token)
        except VerificationError:
            return None
        with self._lock:
            if len(self._verified) >= _MAX_REMEMBERED:
                self._verified.clear()
            self._verified.add((digest, p.token_hash))
        return p

    # --- writing --------------------------------------------------------------------------------

    def add(
        self,
        name: str,
        roles: list[str] | tuple[str, ...],
        *,
        actor: str,
        meta: dict[str, Any] | None = None,
    ) -> tuple[Principal, str]:
        """Add a principal with ``roles``; returns it and its token (shown once, never stored)."""
        check_name(name)
        roles = check_roles(list(roles))
        token_id, token = new_token()
        fact = PrincipalAdded(
            name=name, roles=roles, token_id=token_id, token_hash=self.hasher.hash(token)
        )
        with self._writing() as conn:
            if stream_id(name) in self._by_stream:
                old = self._by_stream[stream_id(name)]
                raise DomainError(
                    invalid(
                        "name",
                        name,
                        f"principal {old.name!r} already exists"
                        + ("" if old.active else " (revoked; names are never reused)"),
                    )
                )
            self._append(conn, name, fact, actor, meta, NO_STREAM)
        return self.get(name), token

    def rotate(
        self, name: str, *, actor: str, meta: dict[str, Any] | None = None
    ) -> tuple[Principal, str]:
        """Give an active principal a new token; the old one stops working."""
        token_id, token = new_token()
        fact = PrincipalTokenRotated(token_id=token_id, token_hash=self.hasher.hash(token))
        with self._writing() as conn:
            p = self._active(name)
            self._append(conn, name, fact, actor, meta, p.version)
        return self.get(name), token

    def revoke(
        self, name: str, *, actor: str, reason: str = "", meta: dict[str, Any] | None = None
    ) -> Principal:
        """Withdraw a principal's access for good (its facts stay, with its name as actor)."""
        with self._writing() as conn:
            p = self._active(name)
            self._append(conn, name, PrincipalRevoked(reason=reason), actor, meta, p.version)
        return self.get(name)

    def _active(self, name: str) -> Principal:
        p = self._by_stream.get(stream_id(name))
        if p is None:
            raise PrincipalNotFoundError(invalid("name", name, "no such principal"))
        if not p.active:
            raise DomainError(invalid("name", name, "was already revoked"))
        return p

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.uow.writing() as conn:
            self.refresh(conn)  # decide against the principals as they are in this transaction
            yield conn

    def _append(
        self,
        conn: Connection,
        name: str,
        fact: Any,
        actor: str,
        meta: dict[str, Any] | None,
        expected: int,
    ) -> list[RecordedEvent]:
        new = NewEvent(
            fact.event_type, fact.payload(), fact.schema_version, {"actor": actor, **(meta or {})}
        )
        return self.uow.store.append(conn, stream_id(name), PRINCIPAL, [new], expected)
