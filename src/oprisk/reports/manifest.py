"""``manifest.json``: what an export used and what it wrote, so it can be re-run and checked.

The manifest holds the knowledge cut-off (log position and its recorded time, and the ``as_of``
that was asked), the period, templates, formats and every parameter (the jurisdiction profile
included), the package version, a digest of the event log up to the cut-off, and the SHA-256 of
every file written. It carries no wall-clock time: two exports at the same cut-off with the same
parameters write the same manifest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from oprisk.errors import ReportError
from oprisk.store.schema import events

if TYPE_CHECKING:
    from oprisk.ports import Transactions

NAME = "manifest.json"
FORMAT = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    return sha256(path.read_bytes())


def log_digest(uow: Transactions, position: int) -> str:
    """SHA-256 over ``position:hash`` of every fact up to ``position`` (each hash chains its stream)."""
    h = hashlib.sha256()
    with uow.reading() as conn:
        rows = conn.execute(
            select(events.c.position, events.c.hash)
            .where(events.c.position <= position)
            .order_by(events.c.position)
        ).yield_per(10_000)
        for p, digest in rows:
            h.update(f"{p}:{digest}\n".encode())
    return h.hexdigest()


def dumps(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode(
        "utf-8"
    )


def read(out_dir: Path) -> dict[str, Any]:
    path = Path(out_dir) / NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: no manifest (is this an oprisk export directory?)") from None
    except json.JSONDecodeError as err:
        raise ReportError(f"{path}: not valid JSON ({err})") from None
    if manifest.get("format") != FORMAT or "files" not in manifest:
        raise ReportError(f"{path}: not an oprisk export manifest (format {FORMAT})")
    return dict(manifest)
