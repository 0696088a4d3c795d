"""Principals of the HTTP service: who may call it, in which roles, with which token.

Each principal is a stream ``principal-{key}`` (stream type ``principal``) of facts in the same
hash-chained log as the loss events, so who was given which role, by whom and when, and who
revoked it, is as tamper-evident as the losses themselves (``verify`` walks these chains too).
The key is the name case-folded after NFKC normalisation: ``Alice`` and ``alice`` are one
principal, and a name once used is never given to someone else (the actor of old facts must stay
unambiguous). Only a hash of each token is recorded (``token_hash``, argon2id); ``token_id`` is
the public part of the token that finds the principal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, get_args

from oprisk.domain.fact import Fact, fact
from oprisk.errors import DomainError, invalid

#: Stream type of principal facts (the loss-event read models ignore it).
PRINCIPAL = "principal"

Role = Literal["reporter", "approver", "analyst", "auditor", "loader", "admin"]
ROLES: tuple[str, ...] = get_args(Role)

_NAME = re.compile(r"^\w[\w.@-]{0,99}$")


def fold(name: str) -> str:
    """The form in which names are compared: NFKC-normalised, then case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()


def stream_id(name: str) -> str:
    return f"principal-{fold(name)}"


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise DomainError(
            invalid(
                "name",
                name,
                "must be 1-100 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
            )
        )
    return name


def check_roles(roles: list[str] | tuple[str, ...]) -> list[str]:
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise DomainError(
            invalid("role", bad[0] if bad else "", "must be one of " + ", ".join(ROLES))
        )
    return sorted(set(roles), key=ROLES.index)


@fact("principal.added")
class PrincipalAdded(Fact):
    """A principal was given roles and a token (only its hash is kept)."""

    name: str
    roles: list[str]
    token_id: str
    token_hash: str


@fact("principal.token_rotated")
class PrincipalTokenRotated(Fact):
    """A principal's token was replaced; the old one no longer authenticates."""

    token_id: str
    token_hash: str


@fact("principal.revoked")
class PrincipalRevoked(Fact):
    """A principal's access was withdrawn for good."""

    reason: str


@dataclass(frozen=True)
class Principal:
    """A principal as folded from its facts."""

    name: str
    roles: tuple[str, ...]
    token_id: str
    token_hash: str
    version: int
    active: bool = True
    added_by: str = ""
    added_at: datetime | None = None
    revoked_by: str | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


def evolve(p: Principal | None, f: Fact, actor: str, at: datetime) -> Principal:
    """Apply one principal fact (pure)."""
    if isinstance(f, PrincipalAdded):
        return Principal(
            f.name, tuple(f.roles), f.token_id, f.token_hash, 1, added_by=actor, added_at=at
        )
    if p is None:
        raise DomainError(f"principal stream starts with {f.event_type!r}, not principal.added")
    if isinstance(f, PrincipalTokenRotated):
        return replace(p, token_id=f.token_id, token_hash=f.token_hash, version=p.version + 1)
    if isinstance(f, PrincipalRevoked):
        return replace(
            p,
            active=False,
            version=p.version + 1,
            revoked_by=actor,
            revoked_at=at,
            revoked_reason=f.reason,
        )
    raise DomainError(f"principal stream cannot apply fact {f.event_type!r}")
