"""``oprisk db upgrade`` (create or migrate the schema) and ``oprisk db roles`` (PostgreSQL roles)."""

from __future__ import annotations

import click

from oprisk.cli.options import Group, settings


@click.group("db", cls=Group)
def db() -> None:
    """Database schema and roles."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the schema to the latest revision (on PostgreSQL: as oprisk_owner)."""
    from oprisk.store import migrate
    from oprisk.store.engine import make_engine, mask_url

    engine = make_engine(settings(ctx).url)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    click.echo(f"{mask_url(engine.url)}: schema {before or 'empty'} → {after}")


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
