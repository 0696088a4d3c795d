"""The Alembic chain: empty → head on both dialects, linear, and no difference from the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from oprisk.store import migrate
from oprisk.store.engine import make_engine
from oprisk.store.schema import metadata

BOTH = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def test_chain_is_linear():
    script = ScriptDirectory.from_config(migrate.alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1
    revs = list(script.walk_revisions())
    assert all(not isinstance(r.down_revision, tuple) for r in revs)
    assert revs[-1].down_revision is None


@pytest.mark.parametrize("empty_db_url", BOTH, indirect=True)
def test_empty_to_head_and_no_autogenerate_diff(empty_db_url):
    engine = make_engine(empty_db_url)
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert {"events", "log_head", "loss_event_versions", "ledger_lines"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == []
    migrate.upgrade(engine)  # idempotent
    engine.dispose()


def test_migrations_ship_inside_the_package():
    from importlib.resources import files

    assert (files("oprisk.migrations") / "env.py").is_file()
    assert any(
        p.name.startswith("0001") for p in (files("oprisk.migrations") / "versions").iterdir()
    )
