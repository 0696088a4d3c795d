"""``oprisk db current|history|upgrade|downgrade|roles``: the schema, migrated by the shipped Alembic
chain, and the PostgreSQL roles.

``--sql`` prints the SQL a migration would run (for a DBA to review or apply) instead of running it;
``db roles`` prints the roles' SQL, or applies it with ``--apply``. On PostgreSQL migrations run as
``oprisk_owner``, the application as ``oprisk_writer`` (docs/security.md).
"""

from __future__ import annotations

import click
from sqlalchemy import Engine

from oprisk.cli.options import Group, settings


@click.group("db", cls=Group)
def db() -> None:
    """Database schema (show, migrate up or down) and PostgreSQL roles."""


def _engine(ctx: click.Context) -> Engine:
    from oprisk.store.engine import make_engine

    return make_engine(settings(ctx).url)


def _shown(url: object) -> str:
    from oprisk.store.engine import mask_url

    return mask_url(str(url))


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


@db.command("roles")
@click.option(
    "--apply", "apply_", is_flag=True, help="Run the SQL (as a superuser) instead of printing it."
)
@click.option(
    "--database", default=None, help="Database to grant on when printing (default: the URL's)."
)
@click.pass_context
def db_roles(ctx: click.Context, apply_: bool, database: str | None) -> None:
    """PostgreSQL roles oprisk_owner, oprisk_writer, oprisk_reader: print the SQL for a DBA, or
    apply it with --apply (idempotent; passwords from OPRISK_OWNER_PASSWORD,
    OPRISK_WRITER_PASSWORD, OPRISK_READER_PASSWORD when set)."""
    from sqlalchemy.engine import make_url

    from oprisk.store import roles
    from oprisk.store.engine import make_engine, mask_url

    url = settings(ctx).url
    if not apply_:
        name = database or (make_url(url).database if url and "://" in url else None)
        if not name:
            raise click.UsageError("db roles needs --database NAME (or --db URL) to print the SQL")
        click.echo(f"-- oprisk roles for database {name}; run as a superuser\n")
        click.echo("\n".join(roles.roles_sql(name)))
        click.echo("-- passwords: ALTER ROLE oprisk_writer PASSWORD '…'; (never stored here)")
        return
    if database is not None:
        raise click.UsageError("--database is for printing; --apply grants on the --db database")
    engine = make_engine(url)
    try:
        notes = roles.apply_roles(engine)
    finally:
        engine.dispose()
    for note in notes:
        click.echo(note)
    click.echo(f"{mask_url(engine.url)}: roles {', '.join(roles.ROLES)} ready")
