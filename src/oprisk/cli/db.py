"""``oprisk db upgrade``: create or migrate the schema."""

from __future__ import annotations

import click

from oprisk.cli.options import Group, settings


@click.group("db", cls=Group)
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the schema to the latest revision."""
    from oprisk.store import migrate
    from oprisk.store.engine import make_engine

    engine = make_engine(settings(ctx).url)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    click.echo(f"{engine.url.render_as_string()}: schema {before or 'empty'} → {after}")
