"""``oprisk checkpoint --key KEY --out FILE``: sign the log's head, to keep outside the database."""

from __future__ import annotations

import getpass
import socket
from pathlib import Path

import click

from oprisk.cli.options import Command, open_db


@click.command("checkpoint", cls=Command)
@click.option(
    "--key",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Private key (oprisk keys new).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="New checkpoint file (never overwritten).",
)
@click.option("--signer", default=None, help="Who signs (default: user@host).")
@click.option(
    "--previous",
    "previous",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An earlier checkpoint the log must still agree with (repeatable).",
)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Public key of the --previous checkpoints (default: the --key's own).",
)
@click.pass_context
def checkpoint(
    ctx: click.Context,
    key: Path,
    out: Path,
    signer: str | None,
    previous: tuple[Path, ...],
    public_key: Path | None,
) -> None:
    """Check the whole log, then write its position and global head hash, signed (Ed25519).

    Refuses (exit 1) a log that does not verify or disagrees with a --previous checkpoint. Keep
    the file (and the key) outside the database host: `oprisk verify --checkpoint FILE
    --public-key PUB` then proves that nothing at or before its position changed.
    """
    from oprisk.errors import IntegrityError
    from oprisk.store import checkpoint as cp
    from oprisk.store.signing import load_private_key, load_public_key

    private = load_private_key(key)
    public = load_public_key(public_key) if public_key else None
    earlier = [cp.Checkpoint.read(p) for p in previous]
    name = signer or f"{getpass.getuser()}@{socket.gethostname()}"
    with open_db(ctx) as database:
        try:
            taken = database.checkpoint(private, name, earlier, public)
        except IntegrityError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(1)
    cp.write(taken, out)
    click.echo(
        f"checkpoint: position {taken.position}, head {taken.head}, signed by {name} → {out}"
    )
