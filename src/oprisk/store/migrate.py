"""Run the Alembic chain shipped with the package (``oprisk db upgrade``)."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

from oprisk.errors import ConfigurationError
from oprisk.store.eventstore import translated
from oprisk.store.roles import apply_grants


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("oprisk.migrations")))
    if engine is not None:
        cfg.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with translated(), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision``; on PostgreSQL with the oprisk roles, grant their table
    privileges again (a migration may add a table), in the same transaction."""
    cfg = alembic_config(engine)
    with translated(), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        apply_grants(conn)


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the schema down to ``revision`` (``base`` removes it); facts in dropped tables go."""
    cfg = alembic_config(engine)
    with translated(), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def sql(url: str, target: str, *, down: bool = False, current: str | None = None) -> str:
    """The SQL a DBA would run to migrate from ``current`` (default: an empty database) to
    ``target`` (Alembic offline mode), for review before ``oprisk db upgrade``."""
    import io

    from sqlalchemy.engine import make_url

    cfg = alembic_config()
    cfg.set_main_option("sqlalchemy.url", make_url(url).render_as_string(hide_password=False))
    out = io.StringIO()
    cfg.output_buffer = out
    step = f"{current}:{target}" if current else target
    try:
        (command.downgrade if down else command.upgrade)(cfg, step, sql=True)
    except CommandError as err:  # e.g. SQLite's batch mode needs the live tables
        raise ConfigurationError(
            f"the SQL of this migration cannot be written ahead of time ({err}); "
            "run it without --sql"
        ) from None
    return out.getvalue()


def history() -> list[dict[str, str | None]]:
    """Every revision of the shipped chain, oldest first: id, parent and message."""
    script = ScriptDirectory.from_config(alembic_config())
    revs = list(script.walk_revisions())[::-1]
    return [
        {
            "revision": r.revision,
            "down_revision": _one(r.down_revision),
            "message": (r.doc or "").strip().splitlines()[0] if r.doc else None,
        }
        for r in revs
    ]


def _one(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ",".join(map(str, value))  # type: ignore[call-overload]
