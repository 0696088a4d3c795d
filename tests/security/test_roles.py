"""PostgreSQL roles: the application's writer and the reader cannot change or remove a fact by any
statement, on a real server. Roles are cluster-wide and other suites run at the same time: they
are created idempotently (``oprisk db roles --apply``), privileges are granted per database, and
the roles are never dropped here.
"""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from security_support import rows, seed
from sqlalchemy import create_engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from oprisk.api import connect
from oprisk.cli import main
from oprisk.store import migrate, roles
from oprisk.store.engine import make_engine
from oprisk.store.signing import load_private_key, load_public_key, new_key_pair

pytestmark = pytest.mark.postgres

FIRST_ROW = (
    "INSERT INTO events (position, stream_id, stream_type, version, event_type, schema_version, "
    "payload, meta, recorded_at, prev_hash, hash) SELECT position, stream_id || 'x', stream_type, "
    "version, event_type, schema_version, payload, meta, recorded_at, prev_hash, hash "
    "FROM events WHERE position = 1"
)
#: what a writer would try in order to change or remove facts (each must fail)
AGAINST_FACTS = [
    "UPDATE events SET payload = payload",
    "UPDATE events SET recorded_at = recorded_at - interval '1 day' WHERE position = 2",
    "UPDATE events SET position = position + 1000",
    "DELETE FROM events WHERE position = 3",
    "TRUNCATE events",
    "TRUNCATE events CASCADE",
    "ALTER TABLE events DISABLE TRIGGER USER",
    "ALTER TABLE events DISABLE TRIGGER events_no_update",
    "DROP TRIGGER events_no_update ON events",
    "DROP TABLE events",
    "ALTER TABLE events RENAME TO events_old",
    "ALTER TABLE events ADD COLUMN note text",
    "ALTER TABLE events OWNER TO CURRENT_USER",
    "CREATE RULE keep AS ON INSERT TO events DO INSTEAD NOTHING",
    "CREATE TRIGGER sneak BEFORE INSERT ON events FOR EACH ROW "
    "EXECUTE FUNCTION oprisk_events_append_only()",
    "CREATE OR REPLACE FUNCTION oprisk_events_append_only() RETURNS trigger AS "
    "$$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
    "DROP FUNCTION oprisk_events_append_only() CASCADE",
    "SET ROLE oprisk_owner",
    "SET session_replication_role = replica",
    "CREATE TABLE events_copy AS SELECT * FROM events",
    FIRST_ROW.replace("stream_id || 'x'", "stream_id"),  # a second fact at position 1
    "UPDATE log_head SET position = position - 1",
    "UPDATE log_head SET hash = repeat('0', 64)",
    "DELETE FROM log_head",
    "TRUNCATE log_head",
    "UPDATE loss_event_versions SET gross_loss = 0",
    "UPDATE loss_event_versions SET valid_to_position = 1 WHERE valid_to_position IS NOT NULL",
    "DELETE FROM loss_event_versions",
    "DELETE FROM ledger_lines",
    "TRUNCATE ledger_lines",
    "UPDATE alembic_version SET version_num = '0001'",
]
#: and the reader, besides: it cannot write at all
READER_ALSO = [
    FIRST_ROW,
    "UPDATE log_head SET recorded_at = recorded_at",
    "INSERT INTO ledger_lines SELECT * FROM ledger_lines WHERE false",
    "INSERT INTO fx_rates SELECT * FROM fx_rates WHERE false",
    "UPDATE loss_event_versions SET valid_to_position = valid_to_position "
    "WHERE valid_to_position IS NULL",
]


def as_role(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


@pytest.fixture
def with_roles(pg_server, tmp_path):
    """The production set-up on an empty database: ``oprisk db roles --apply`` as the server's
    superuser, ``oprisk db upgrade`` as oprisk_owner, the application as oprisk_writer."""
    url = pg_server.create(migrated=False)
    try:
        out = CliRunner().invoke(main, ["--db", url, "db", "roles", "--apply"])
        assert out.exit_code == 0, out.output
        up = CliRunner().invoke(main, ["--db", as_role(url, roles.OWNER), "db", "upgrade"])
        assert up.exit_code == 0, up.output
        yield url
    finally:
        pg_server.drop(url)


def refused(url: str, sql: str) -> str | None:
    """Run ``sql`` as the URL's role in a transaction of its own; the error, or None."""
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg2"))
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
        return None
    except sa_exc.DBAPIError as err:
        return str(err.orig).splitlines()[0]
    finally:
        engine.dispose()


def test_the_schema_belongs_to_the_owner_and_the_roles_are_not_privileged(with_roles):
    engine = make_engine(with_roles)
    with engine.connect() as conn:
        owners = dict(
            conn.execute(
                text("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'")
            ).all()
        )
        flags = conn.execute(
            text(
                "SELECT rolname, rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb "
                "FROM pg_roles WHERE rolname LIKE 'oprisk\\_%'"
            )
        ).all()
    engine.dispose()
    assert set(owners) >= set(roles.TABLES) and set(owners.values()) == {roles.OWNER}
    assert dict(flags) == dict.fromkeys(roles.ROLES, False)


def test_writer_and_reader_cannot_change_or_remove_a_fact(with_roles, tmp_path):
    writer, reader = as_role(with_roles, roles.WRITER), as_role(with_roles, roles.READER)
    db = connect(writer)  # the application works as the writer
    seed(db)
    db.exclude(
        "E1", actor="ann", approval_reference="R-1", approved_on=date(2025, 7, 1), reason="r"
    )
    db.approve_request("E1", actor="bob")
    db.close()
    key, pub = new_key_pair(tmp_path / "auditor")
    audit = connect(reader)  # verifying and checkpointing only read
    checkpoint = audit.checkpoint(load_private_key(key), "auditor")
    with audit.reading() as conn:
        before = rows(conn)

    allowed = {}
    for role_url, statements in ((writer, AGAINST_FACTS), (reader, AGAINST_FACTS + READER_ALSO)):
        for sql in statements:
            if refused(role_url, sql) is None:
                allowed[(make_url(role_url).username, sql)] = "ran"
    assert allowed == {}

    # a GRANT without the grant option only warns ("no privileges were granted")
    for role_url in (writer, reader):
        refused(role_url, "GRANT UPDATE, DELETE, TRUNCATE ON events TO CURRENT_USER")
    with audit.reading() as conn:
        assert rows(conn) == before
        can = conn.execute(
            text(
                "SELECT r, p FROM unnest(ARRAY['oprisk_writer', 'oprisk_reader']) r, "
                "unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER']) p "
                "WHERE has_table_privilege(r, 'events', p)"
            )
        ).all()
    assert can == []
    report = audit.verify([checkpoint], load_public_key(pub))
    assert report.ok, str(report)
    assert audit.losses().set_index("event_id").loc["E1", "excluded"]
    audit.close()


def test_errors_name_the_rule(with_roles):
    writer = as_role(with_roles, roles.WRITER)
    connect(writer).report(
        "E1", actor="a", title="t", event_type="ET7", business_line="BL3",
        discovered_on=date(2025, 1, 1), currency="EUR",
    )  # fmt: skip
    assert "permission denied for table events" in refused(writer, "DELETE FROM events")
    assert "must be owner of table events" in refused(
        writer, "ALTER TABLE events DISABLE TRIGGER USER"
    )
    assert "log head must point at the last fact" in refused(
        writer, "UPDATE log_head SET position = 0"
    )


def test_roles_are_created_once_and_applied_again_idempotently(with_roles):
    out = CliRunner().invoke(main, ["--db", with_roles, "db", "roles", "--apply"])
    assert out.exit_code == 0, out.output
    # a migration run again re-grants (a new table would get its privileges)
    migrate.upgrade(make_engine(as_role(with_roles, roles.OWNER)))
    assert refused(as_role(with_roles, roles.WRITER), "SELECT count(*) FROM events") is None


def test_roles_sql_is_printed_for_a_dba():
    out = CliRunner().invoke(main, ["db", "roles", "--database", "risk"])
    assert out.exit_code == 0, out.output
    for role in roles.ROLES:
        assert f"CREATE ROLE {role} LOGIN" in out.output
    assert 'GRANT CONNECT ON DATABASE "risk"' in out.output
    grants_on_log = [
        line for line in out.output.splitlines() if "ON TABLE events TO oprisk_writer" in line
    ]
    assert grants_on_log and all(
        w not in line for line in grants_on_log for w in ("UPDATE", "DELETE", "TRUNCATE")
    )
    assert "PASSWORD" not in out.output.replace("PASSWORD '…'", "")
