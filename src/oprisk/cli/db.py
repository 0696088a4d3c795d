"""``oprisk db current|history|upgrade|downgrade``: the schema, migrated by the shipped Alembic chain.

``--sql`` prints the SQL a migration would run (for a DBA to review or apply) instead of running it.
"""

from __future__ import annotations

import click
from sqlalchemy import Engine

from oprisk.cli.options import Group, settings


@click.group("db", cls=Group)
def db() -> None:
    """Database schema: show, migrate up or down."""


def _engine(ctx: click.Context) -> Engine:
    from oprisk.store.engine import make_engine

    return make_engine(settings(ctx).url)


def _shown(url: object) -> str:
    from sqlalchemy.engine import make_url

    return make_url(str(url)).render_as_string(hide_password=True)


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """The schema revision of the database and the latest the code ships."""
    from oprisk.store import migrate

    engine = _engine(ctx)
    current, head = migrate.current_revision(engine), migrate.head_revision()
    state = "up to date" if current == head else "behind: run `oprisk db upgrade`"
    if current is None:
        state = "no oprisk schema: run `oprisk db upgrade`"
    click.echo(f"{_shown(engine.url)}: revision {current or 'none'} (code: {head}) — {state}")


@db.command("history")
def db_history() -> None:
    """The migrations the code ships, oldest first."""
    from oprisk.store import migrate

    for r in migrate.history():
        click.echo(f"{r['revision']}  ← {r['down_revision'] or 'base':<6}  {r['message'] or ''}")


@db.command("upgrade")
@click.argument("revision", default="head")
@click.option("--sql", "as_sql", is_flag=True, help="Print the SQL instead of running it.")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str, as_sql: bool) -> None:
    """Create or migrate the schema (to REVISION, default the latest)."""
    from oprisk.store import migrate

    engine = _engine(ctx)
    if as_sql:
        current = migrate.current_revision(engine)
        click.echo(migrate.sql(str(engine.url), revision, current=current), nl=False)
        return
    before = migrate.current_revision(engine)
    migrate.upgrade(engine, revision)
    after = migrate.current_revision(engine)
    click.echo(f"{_shown(engine.url)}: schema {before or 'empty'} → {after}")


@db.command("downgrade")
@click.argument("revision")
@click.option("--sql", "as_sql", is_flag=True, help="Print the SQL instead of running it.")
@click.option("--yes", is_flag=True, help="Run it without asking (tables dropped lose their data).")
@click.pass_context
def db_downgrade(ctx: click.Context, revision: str, as_sql: bool, yes: bool) -> None:
    """Migrate the schema down to REVISION (``base``: remove it)."""
    from oprisk.store import migrate

    engine = _engine(ctx)
    before = migrate.current_revision(engine)
    if as_sql:
        click.echo(migrate.sql(str(engine.url), revision, down=True, current=before), nl=False)
        return
    if not yes:
        click.confirm(
            f"downgrade {_shown(engine.url)} from {before} to {revision}? Dropped tables lose "
            "their data",
            abort=True,
        )
    migrate.downgrade(engine, revision)
    click.echo(
        f"{_shown(engine.url)}: schema {before} → {migrate.current_revision(engine) or 'empty'}"
    )
