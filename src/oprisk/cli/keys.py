"""``oprisk keys new --out NAME``: an Ed25519 key pair for signing checkpoints and exports."""

from __future__ import annotations

from pathlib import Path

import click

from oprisk.cli.options import Group


@click.group("keys", cls=Group)
def keys() -> None:
    """Signing keys (Ed25519)."""


@keys.command("new")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Writes OUT.key (private, PKCS#8 PEM, mode 0600) and OUT.pub (public, PEM).",
)
def keys_new(out: Path) -> None:
    """Make a key pair. Keep OUT.key off the database host; give OUT.pub to whoever verifies.
    With OPRISK_KEY_PASSPHRASE set, the private key is encrypted with it."""
    from oprisk.store.signing import key_id, load_public_key, new_key_pair

    key_path, pub_path = new_key_pair(out)
    click.echo(f"private key: {key_path} (mode 0600: keep it away from the database host)")
    click.echo(f"public key:  {pub_path} (id {key_id(load_public_key(pub_path))})")
