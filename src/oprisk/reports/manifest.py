"""``manifest.json``: what an export used and what it wrote, so it can be re-run and checked.

The manifest holds the knowledge cut-off (log position and its recorded time, and the ``as_of``
that was asked), the period, templates, formats and every parameter (the jurisdiction profile
included), the package version, a digest of the event log up to the cut-off, and the SHA-256 of
every file written. It carries no wall-clock time: two exports at the same cut-off with the same
parameters write the same manifest.

It also carries the checkpoint it was produced at (the log position and the global hash there,
:mod:`oprisk.store.chain`) and, when exported with a key (``oprisk export … --sign KEY``), an
Ed25519 signature of the rest: a signed manifest kept elsewhere is a checkpoint of the log at the
cut-off. Ed25519 signatures are deterministic, so a signed manifest is reproducible too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from oprisk.errors import IntegrityError, ReportError
from oprisk.store import signing
from oprisk.store.chain import head_at
from oprisk.store.schema import events

from .table import Cutoff

if TYPE_CHECKING:
    from oprisk.ports import Transactions

NAME = "manifest.json"
FORMAT = 1
CONTEXT = "oprisk export manifest v1"  # what a manifest signature signs, never a checkpoint


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


def checkpoint(uow: Transactions, position: int) -> dict[str, Any]:
    """The log position and its global hash: what the export was produced from."""
    with uow.reading() as conn:
        return {"position": position, "head": head_at(conn, position)}


def sign(manifest: dict[str, Any], key: Any, signer: str) -> dict[str, Any]:
    """The manifest with its signature (over everything but the signature)."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return {**body, "signature": signing.sign(key, CONTEXT, body, signer).to_dict()}


def signature_problems(manifest: dict[str, Any], public: Any) -> tuple[list[str], list[str]]:
    """(problems, notes) of a manifest's signature against ``public`` (the trusted key, or None)."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    if "signature" not in manifest:
        return (["the manifest is not signed"] if public is not None else []), []
    try:
        sig = signing.Signature.from_dict(manifest["signature"])
        if public is None:
            return [], [
                f"signed by key {sig.key_id[:16]}… ({sig.signer}): pass --public-key to check it"
            ]
        signing.check(public, CONTEXT, body, sig)
    except IntegrityError as err:
        return [f"signature: {err}"], []
    return [], [f"signature by {sig.signer} checked"]


def prepare_folder(out_dir: Path, force: bool) -> list[Path]:
    """Refuse a non-empty export folder unless ``force``; returns what is in it (to remove what
    the new manifest does not list). A subfolder is never removed."""
    if not out_dir.is_dir():
        return []
    entries = sorted(out_dir.iterdir())
    if entries and not force:
        raise ReportError(
            f"{out_dir} is not empty ({', '.join(p.name for p in entries[:5])}"
            f"{' …' if len(entries) > 5 else ''}): export into an empty folder, or pass --force "
            "to replace an earlier export (files the new manifest does not list are removed)"
        )
    folders = [p.name for p in entries if p.is_dir() and not p.is_symlink()]
    if folders:
        raise ReportError(
            f"{out_dir} holds the folder(s) {', '.join(folders)}: --force removes files only"
        )
    return entries


def unlisted(out_dir: Path, manifest: dict[str, Any]) -> list[str]:
    """Entries of an export folder that its manifest does not list."""
    listed = set(manifest["files"]) | {NAME}
    return sorted(p.name for p in Path(out_dir).iterdir() if p.name not in listed)


def folder_problems(out_dir: Path, manifest: dict[str, Any]) -> list[str]:
    """What in ``out_dir`` disagrees with ``manifest``: files it does not list, files it lists
    that are missing or whose bytes changed."""
    problems = [
        f"{name}: in {out_dir} but not in the manifest" for name in unlisted(out_dir, manifest)
    ]
    for name, digest in sorted(manifest["files"].items()):
        path = out_dir / name
        if not path.is_file():
            problems.append(f"{name}: missing from {out_dir}")
        elif file_sha256(path) != digest:
            problems.append(
                f"{name}: its bytes differ from the SHA-256 recorded in the manifest (changed since export)"
            )
    return problems


def log_problems(uow: Transactions, manifest: dict[str, Any]) -> list[str]:
    """Whether the log still holds, up to the export's cut-off, what the export read: the same
    position, recorded at the same time, with the same digest (and checkpoint)."""
    cut = manifest["knowledge_cutoff"]
    position, time = uow.cutoff(int(cut["position"]))
    if position != cut["position"]:
        return [
            f"the log ends at position {position}, before the export's cut-off {cut['position']}"
        ]
    if Cutoff(position, time).time_iso != cut["time"]:
        return [
            f"position {position} was recorded at {Cutoff(position, time).time_iso}, "
            f"the manifest says {cut['time']}: this is not the database the export was made from"
        ]
    if log_digest(uow, position) != manifest["inputs"]["log_digest_sha256"] or (
        "checkpoint" in manifest and checkpoint(uow, position) != manifest["checkpoint"]
    ):
        return [f"the event log up to position {position} differs from the one the export read"]
    return []


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
