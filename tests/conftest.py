"""Fixtures: a fresh, migrated database per test on SQLite and on PostgreSQL.

PostgreSQL tests create and drop their own databases on the server named by
``OPRISK_TEST_POSTGRES_URL`` (default: the local server on 127.0.0.1:5432), cloned from a migrated
template, so runs never see each other's data. Without a server they skip with the reason; with
``OPRISK_REQUIRE_POSTGRES=1`` (set by CI) they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("OPRISK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("OPRISK_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class Clock:
    """A controllable clock for the two-clocks tests: each call advances one second."""

    def __init__(self, start: datetime = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def jump(self, to: datetime) -> None:
        self.now = to


class PostgresServer:
    """Creates throw-away databases on the test server, cloned from a migrated template."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url).set(drivername="postgresql+psycopg2")
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.template: str | None = None

    def available(self) -> str | None:
        try:
            with self.admin.connect() as c:
                c.execute(text("select 1"))
        except Exception as err:
            return f"no PostgreSQL at {self.url.render_as_string()}: {type(err).__name__}: {str(err).strip()[:200]}"
        return None

    def create(self, migrated: bool = True) -> str:
        name = f"oprisk_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as c:
            if migrated:
                c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self._template()}"'))
            else:
                c.execute(text(f'CREATE DATABASE "{name}"'))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _template(self) -> str:
        if self.template is None:
            from oprisk.store import migrate
            from oprisk.store.engine import make_engine

            self.template = f"oprisk_tmpl_{uuid.uuid4().hex[:12]}"
            with self.admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{self.template}"'))
            engine = make_engine(
                self.url.set(database=self.template).render_as_string(hide_password=False)
            )
            migrate.upgrade(engine)
            engine.dispose()
        return self.template

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        if self.template:
            with self.admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer | None]:
    server = PostgresServer(PG_URL)
    reason = server.available()
    if reason:
        server.admin.dispose()
        yield None
        return
    yield server
    server.close()


def _need_pg(server: PostgresServer | None) -> PostgresServer:
    if server is None:
        msg = f"PostgreSQL is not reachable at {PG_URL}"
        if REQUIRE_PG:
            pytest.fail(msg + " and OPRISK_REQUIRE_POSTGRES=1 requires it")
        pytest.skip(msg)
    return server


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path, pg_server) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL of a fresh, migrated database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'oprisk.db'}"
        return
    server = _need_pg(pg_server)
    url = server.create()
    yield url
    server.drop(url)


@pytest.fixture
def empty_db_url(request: pytest.FixtureRequest, tmp_path, pg_server) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL of an empty (unmigrated) database; parametrise with indirect=True."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server = _need_pg(pg_server)
    url = server.create(migrated=False)
    yield url
    server.drop(url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(db_url: str, clock: Clock):  # type: ignore[no-untyped-def]
    from oprisk.api import connect

    database = connect(db_url, clock=clock)
    yield database
    database.close()


@pytest.fixture
def pg_url(pg_server) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh migrated PostgreSQL database, for PostgreSQL-only behaviour."""
    server = _need_pg(pg_server)
    url = server.create()
    yield url
    server.drop(url)


@pytest.fixture
def pg_db(pg_url: str, clock: Clock):  # type: ignore[no-untyped-def]
    from oprisk.api import connect

    database = connect(pg_url, clock=clock)
    yield database
    database.close()
