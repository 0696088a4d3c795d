"""``oprisk users add|list|rotate|revoke``: principals of the HTTP service.

``add`` and ``rotate`` print the token alone on stdout, once; only its argon2id hash is stored,
as a fact in the log. The actor of these facts is ``cli:<login>`` of whoever ran the command.
"""

from __future__ import annotations

import getpass
import json

import click

from oprisk.cli.options import Group, open_db
from oprisk.domain.principals import ROLES


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name (a container without a passwd entry)
        return "cli:unknown"


@click.group("users", cls=Group)
def users() -> None:
    """Principals of the HTTP service: bearer tokens and roles."""


@users.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES),
              help="A role (repeat for several).")  # fmt: skip
@click.pass_context
def add(ctx: click.Context, name: str, roles: tuple[str, ...]) -> None:
    """Add NAME with its roles and print its token (shown once, never stored)."""
    with open_db(ctx) as db:
        _, token = db.principals.add(name, roles, actor=_actor(), meta={"via": "cli"})
    click.echo(token)


@users.command("rotate")
@click.argument("name")
@click.pass_context
def rotate(ctx: click.Context, name: str) -> None:
    """Give NAME a new token and print it; the old one stops working."""
    with open_db(ctx) as db:
        _, token = db.principals.rotate(name, actor=_actor(), meta={"via": "cli"})
    click.echo(token)


@users.command("revoke")
@click.argument("name")
@click.option("--reason", default="", help="Why (recorded with the fact).")
@click.pass_context
def revoke(ctx: click.Context, name: str, reason: str) -> None:
    """Revoke NAME for good (its facts keep its name as actor)."""
    with open_db(ctx) as db:
        p = db.principals.revoke(name, actor=_actor(), reason=reason, meta={"via": "cli"})
    click.echo(f"revoked {p.name!r}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON records.")
@click.pass_context
def list_users(ctx: click.Context, as_json: bool) -> None:
    """Every principal, revoked ones included (never their token hashes)."""
    with open_db(ctx) as db:
        rows = [
            {
                "name": p.name,
                "roles": list(p.roles),
                "active": p.active,
                "added_by": p.added_by,
                "added_at": p.added_at.isoformat() if p.added_at else None,
                "revoked_by": p.revoked_by,
                "revoked_at": p.revoked_at.isoformat() if p.revoked_at else None,
            }
            for p in db.principals.all()
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    if not rows:
        click.echo("(none)")
    for r in rows:
        state = "active" if r["active"] else f"revoked {r['revoked_at']} by {r['revoked_by']}"
        click.echo(
            f"{r['name']:<24} {','.join(r['roles']):<32} {state}  (added {r['added_at']} by {r['added_by']})"
        )
