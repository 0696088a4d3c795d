"""Engines for the two supported databases, with the settings each needs.

SQLite (the embedded default): WAL so readers never wait for the writer, a busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so concurrent writers queue instead of deadlocking;
a new database file is created readable by its owner only (0600; SQLite gives its WAL and
shared-memory files the same mode).
PostgreSQL: plain ``READ COMMITTED``; appends serialise on the ``log_head`` row lock;
``postgres://`` is accepted for ``postgresql://``.

A URL is never shown with its password: :func:`mask_url` is used in every message.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from oprisk.errors import ConfigurationError
from oprisk.safefiles import private_file

DEFAULT_FILE = "oprisk.db"


def default_url() -> str:
    """``OPRISK_DATABASE_URL``, else an embedded SQLite file ``oprisk.db`` in the working directory."""
    return os.environ.get("OPRISK_DATABASE_URL") or f"sqlite:///{Path.cwd() / DEFAULT_FILE}"


# the password of ``scheme://user:password@host``, up to the last ``@`` (passwords may hold one)
_PASSWORD = re.compile(r"(?P<keep>[A-Za-z][\w+.-]*://[^:/?#@\s]*:)[^\s]*@")


def mask_url(url: str | URL) -> str:
    """A database URL for messages: the password replaced by ``***`` (also in text that does
    not parse as a URL)."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    if "://" in url:
        return _PASSWORD.sub(r"\g<keep>***@", url)
    at = url.rfind("@")
    colon = url.rfind(":", 0, at) if at > 0 else -1
    if colon >= 0:  # not a URL, but maybe one mistyped: hide what may be a password
        first = url.find(":", 0, at)
        return url[: first + 1] + "***" + url[at:]
    return url


def make_engine(url: str | None = None) -> Engine:
    url = url or default_url()
    try:
        u = make_url(url)
    except Exception:
        raise ConfigurationError(
            f"invalid value {mask_url(url)!r} for 'url': not a database URL "
            "(sqlite:///path.db or postgresql://user@host/db)"
        ) from None
    if u.drivername in ("postgres", "postgres+psycopg2"):
        u = u.set(drivername="postgresql+psycopg2")
    if u.drivername in ("sqlite", "sqlite+pysqlite"):
        return _sqlite(u)
    if u.drivername in ("postgresql", "postgresql+psycopg2"):
        return create_engine(
            u.set(drivername="postgresql+psycopg2"), pool_pre_ping=True, json_deserializer=loads
        )
    raise ConfigurationError(
        f"invalid value {mask_url(url)!r} for 'url': oprisk supports sqlite:/// and "
        "postgresql:// URLs (drivers pysqlite and psycopg2)"
    )


def loads(text: str | bytes) -> Any:
    """Stored JSON (payloads, metadata) parsed by orjson, several times faster than the standard
    library's parser; what orjson refuses and ``json`` accepts (integers past 64 bits, lone
    surrogates: never written by the store, which serialises with orjson) goes to ``json``, so a
    changed fact is still read and reported by ``verify`` rather than failing the read."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _sqlite(u: URL) -> Engine:
    url = u.render_as_string(hide_password=False)
    if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        with contextlib.suppress(OSError):  # a missing folder: SQLite says so itself
            private_file(u.database)
    engine = create_engine(u, connect_args={"timeout": 60}, json_deserializer=loads)

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
