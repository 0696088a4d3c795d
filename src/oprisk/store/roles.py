"""PostgreSQL roles: least privilege for the application (``oprisk db roles [--apply]``).

* ``oprisk_owner`` owns the schema and runs the migrations (``oprisk db upgrade``);
* ``oprisk_writer`` is what the application connects as: it reads everything, appends facts
  (INSERT on ``events``), moves the log head (UPDATE on ``log_head``, whose trigger lets it only
  point at the last fact) and writes the read models (INSERT; UPDATE of the two ``valid_to_*``
  columns of ``loss_event_versions``, which closes a version row); no UPDATE, DELETE or TRUNCATE
  on the log, and, not being the owner, it cannot disable, drop or add a trigger;
* ``oprisk_reader`` reads the log and the read models (SELECT), nothing else.

Roles are cluster-wide: they are created once (``CREATE ROLE`` that tolerates a concurrent or
earlier creation), and privileges are granted per database. ``--apply`` runs as a role that may
create roles and owns the database's objects (a superuser: the first set-up of a cluster); the
table grants are applied again after every ``oprisk db upgrade``, so that a new table gets them.
"""

from __future__ import annotations

import os

from sqlalchemy import Connection, Engine, text

from oprisk.errors import ConfigurationError
from oprisk.store.eventstore import translated

OWNER, WRITER, READER = "oprisk_owner", "oprisk_writer", "oprisk_reader"
ROLES = (OWNER, WRITER, READER)
#: the password of each role, from the environment when it is set (never printed)
PASSWORD_ENV = {r: f"{r.upper()}_PASSWORD" for r in ROLES}

#: every table of the schema (Alembic's own included) and the function its triggers run
TABLES = (
    "events",
    "log_head",
    "loss_event_versions",
    "ledger_lines",
    "fx_rates",
    "financial_items",
    "http_idempotency",
    "alembic_version",
)
FUNCTIONS = (
    "oprisk_events_append_only()",
    "oprisk_log_head_guard()",
    "oprisk_closed_version_guard()",
    "oprisk_analyze()",  # SECURITY DEFINER: the loader refreshes statistics as the owner
)
#: what the application may do beyond reading, per table: nothing else
WRITER_GRANTS = {
    "events": "INSERT",
    "log_head": "UPDATE",
    "loss_event_versions": "INSERT, UPDATE (valid_to_position, valid_to_time)",
    "ledger_lines": "INSERT",
    "fx_rates": "INSERT",
    "financial_items": "INSERT",
    "http_idempotency": "INSERT",  # the HTTP layer's first answer per key; never changed
}


def _create_role(name: str) -> str:
    # a concurrent CREATE ROLE of the same name fails with unique_violation, a former one with
    # duplicate_object: either way the role exists, which is all that is asked
    return (
        f"DO $$ BEGIN CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
        f"NOREPLICATION NOBYPASSRLS; "
        f"EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
    )


def _for_existing(array: tuple[str, ...], kind: str, statement: str) -> str:
    """A DO block running ``statement`` (with ``%s`` for the object) for each object that exists."""
    items = ", ".join(f"'{x}'" for x in array)
    check = "to_regclass(x)" if kind == "table" else "to_regprocedure(x)"
    return (
        f"DO $$ DECLARE x text; BEGIN FOREACH x IN ARRAY ARRAY[{items}] LOOP "
        f"IF {check} IS NOT NULL THEN EXECUTE format('{statement}', x); END IF; "
        f"END LOOP; END $$;"
    )


def grants_sql() -> list[str]:
    """The table privileges of the writer and the reader (run by the owner, after migrations)."""
    out = [
        _for_existing(TABLES, "table", f"REVOKE ALL ON TABLE %I FROM {WRITER}, {READER}"),
        _for_existing(TABLES, "table", f"GRANT SELECT ON TABLE %I TO {WRITER}, {READER}"),
    ]
    for table, privileges in WRITER_GRANTS.items():
        out.append(
            f"DO $$ BEGIN IF to_regclass('{table}') IS NOT NULL THEN "
            f"GRANT {privileges} ON TABLE {table} TO {WRITER}; END IF; END $$;"
        )
    return out


def roles_sql(database: str) -> list[str]:
    """Everything ``oprisk db roles`` prints: roles, database and schema rights, ownership, grants."""
    db = '"' + database.replace('"', '""') + '"'
    return [
        *(_create_role(r) for r in ROLES),
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC;",
        f"GRANT CONNECT ON DATABASE {db} TO {OWNER}, {WRITER}, {READER};",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {OWNER};",
        f"GRANT USAGE ON SCHEMA public TO {WRITER}, {READER};",
        _for_existing(TABLES, "table", f"ALTER TABLE %I OWNER TO {OWNER}"),
        _for_existing(FUNCTIONS, "function", f"ALTER FUNCTION %s OWNER TO {OWNER}"),
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public "
        f"GRANT SELECT ON TABLES TO {WRITER}, {READER};",
        *grants_sql(),
    ]


def _run(conn: Connection, sql: str) -> None:
    conn.exec_driver_sql(sql.replace("%", "%%"))  # the driver's parameter style uses %


def roles_exist(conn: Connection) -> bool:
    q = text("SELECT count(*) FROM pg_roles WHERE rolname IN (:o, :w, :r)")
    return int(conn.execute(q, {"o": OWNER, "w": WRITER, "r": READER}).scalar_one()) == 3


def apply_roles(engine: Engine) -> list[str]:
    """Create the roles (once per cluster) and grant this database's rights; returns notes."""
    if engine.dialect.name != "postgresql":
        raise ConfigurationError("roles are a PostgreSQL feature; SQLite has no users")
    database = engine.url.database or ""
    statements = roles_sql(database)
    n_roles = len(ROLES)
    notes = []
    with translated(), engine.connect() as conn:
        # each role in its own transaction: visible to the grants (and to other sessions) at once
        for sql in statements[:n_roles]:
            with conn.begin():
                _run(conn, sql)
        with conn.begin():
            for sql in statements[n_roles:]:
                _run(conn, sql)
            for role, var in PASSWORD_ENV.items():
                password = os.environ.get(var)
                if password:
                    conn.execute(text(f"ALTER ROLE {role} PASSWORD :p"), {"p": password})
                    notes.append(f"{role}: password set from {var}")
            too_strong = conn.execute(
                text(
                    "SELECT rolname FROM pg_roles WHERE rolname IN (:w, :r) AND (rolsuper OR "
                    "rolbypassrls OR rolcreaterole OR rolcreatedb OR rolreplication)"
                ),
                {"w": WRITER, "r": READER},
            ).scalars()
            bad = sorted(too_strong)
            if bad:
                raise ConfigurationError(
                    f"the roles {', '.join(bad)} exist with more than least privilege "
                    "(superuser, bypassrls, createrole, createdb or replication): a DBA must "
                    "ALTER ROLE … NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION"
                )
    return notes


def apply_grants(conn: Connection) -> bool:
    """Re-apply the table grants after a migration, if the roles exist (PostgreSQL only)."""
    if conn.dialect.name != "postgresql" or not roles_exist(conn):
        return False
    for sql in grants_sql():
        _run(conn, sql)
    return True
