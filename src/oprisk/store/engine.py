"""Engines for the two supported databases, with the settings each needs.

SQLite (the embedded default): WAL so readers never wait for the writer, a busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so concurrent writers queue instead of deadlocking.
PostgreSQL: plain ``READ COMMITTED``; appends serialise on the ``log_head`` row lock.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from oprisk.errors import ConfigurationError

DEFAULT_FILE = "oprisk.db"


def default_url() -> str:
    """``OPRISK_DATABASE_URL``, else an embedded SQLite file ``oprisk.db`` in the working directory."""
    return os.environ.get("OPRISK_DATABASE_URL") or f"sqlite:///{Path.cwd() / DEFAULT_FILE}"


def make_engine(url: str | None = None) -> Engine:
    url = url or default_url()
    try:
        u = make_url(url)
    except Exception as err:
        raise ConfigurationError(
            f"invalid value {url!r} for 'url': not a database URL ({err})"
        ) from None
    if u.drivername in ("sqlite", "sqlite+pysqlite"):
        return _sqlite(url)
    if u.drivername in ("postgresql", "postgresql+psycopg2"):
        return create_engine(u.set(drivername="postgresql+psycopg2"), pool_pre_ping=True)
    raise ConfigurationError(
        f"invalid value {url!r} for 'url': oprisk supports sqlite:/// and postgresql:// URLs "
        "(drivers pysqlite and psycopg2)"
    )


def _sqlite(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        if ":memory:" not in url and url.rstrip("/") != "sqlite:":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        write = conn.get_execution_options().get("oprisk_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
