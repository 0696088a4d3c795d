"""Fixtures for the HTTP service: an app over a fresh database on SQLite and PostgreSQL, with one
principal per role, called in-process (starlette's TestClient)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from oprisk.api import Database, connect
from oprisk.http import Settings, create_app

ROLES = ("reporter", "approver", "analyst", "auditor", "loader", "admin")

INCIDENT = {
    "title": "Card skimming at ATM",
    "event_type": "ET2.1",
    "business_line": "BL3",
    "occurred_on": "2025-03-01",
    "discovered_on": "2025-03-04",
    "currency": "EUR",
}


@dataclass
class Service:
    """An app over ``db`` with a token per principal name."""

    db: Database
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, *roles: str) -> str:
        _, self.tokens[name] = self.db.principals.add(name, roles, actor="test-setup")
        return self.tokens[name]

    def auth(self, name: str, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}", **headers}

    def call(self, name: str | None, method: str, path: str, **kw: Any) -> Any:
        headers = {**(self.auth(name) if name else {}), **kw.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kw)

    def new_event(
        self, actor: str = "setup.reporter", *, state: str = "open", **fields: Any
    ) -> str:
        """A loss event reported through the facade (not over HTTP), in ``state``."""
        event_id = f"SETUP:{uuid.uuid4().hex[:10]}"
        values = {**INCIDENT, **fields}
        self.db.report(event_id, actor=actor, **{k: _date(v) for k, v in values.items()})
        self.db.record_impact(
            event_id, actor=actor, amount="1000", currency="EUR", accounted_on=date(2025, 3, 31)
        )
        if state == "submitted":
            self.db.submit(event_id, actor=actor)
        return event_id

    def facts(self) -> int:
        return self.db.position()


def _date(v: Any) -> Any:
    return date.fromisoformat(v) if isinstance(v, str) and v[:2] == "20" and len(v) == 10 else v


def make_service(url: str, settings: Settings | None = None) -> Iterator[Service]:
    from argon2 import PasswordHasher

    db = connect(url)
    # argon2id at its lowest cost: the tests add many principals; production keeps the default
    db.principals.hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with TestClient(create_app(db, settings), raise_server_exceptions=False) as client:
        yield Service(db, client)
    db.close()


@pytest.fixture
def service(db_url: str) -> Iterator[Service]:
    """A service over a fresh database (both backends), principals 'rep' (reporter), 'appr'
    (approver), 'ana' (analyst), 'aud' (auditor), 'ldr' (loader), 'adm' (admin)."""
    for s in make_service(db_url):
        for name, role in zip(("rep", "appr", "ana", "aud", "ldr", "adm"), ROLES, strict=True):
            s.add(name, role)
        yield s


@pytest.fixture
def pg_service(pg_url: str) -> Iterator[Service]:
    """A service over a fresh PostgreSQL database with a reporter 'rep'."""
    for s in make_service(pg_url):
        s.add("rep", "reporter")
        yield s
