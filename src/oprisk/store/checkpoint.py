"""Signed checkpoints: the log's global hash at a position, signed with a key kept elsewhere.

A checkpoint (``oprisk checkpoint --key KEY --out FILE``) is a small JSON document: the position,
the global head hash there (:mod:`oprisk.store.chain`), the time of that fact, when and by whom it
was signed, and the global hash at up to :data:`MAX_ANCHORS` evenly spaced earlier positions
("anchors"), signed with Ed25519. Kept outside the database, it lets ``oprisk verify`` prove that
no fact at or before its position was changed, removed, inserted or reordered since, even by
someone who recomputed every hash: the recomputed chain cannot reach the signed head. The anchors
say where the difference starts: exactly, while the log has at most :data:`MAX_ANCHORS` facts at
the checkpoint, otherwise within one stretch between two anchors (a later, denser checkpoint or
an earlier one narrows it further).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection

from oprisk.errors import ConfigurationError, IntegrityError
from oprisk.safefiles import write_new
from oprisk.store import signing
from oprisk.store.chain import Problem, Walk, head_problems, stream_link_problems, walk
from oprisk.store.eventstore import EventStore

FORMAT = "oprisk-checkpoint"
VERSION = 1
CONTEXT = "oprisk checkpoint v1"  # signatures of checkpoints never pass for anything else
MAX_ANCHORS = 1024


def anchor_positions(position: int, max_anchors: int = MAX_ANCHORS) -> list[int]:
    """Evenly spaced positions ending at ``position``: every one while there are at most
    ``max_anchors``."""
    if position <= 0:
        return []
    stride = -(-position // max_anchors)
    return [*range(stride, position, stride), position]


@dataclass(frozen=True)
class Checkpoint:
    """The global hash of the log at ``position`` and at the anchors before it, signed."""

    position: int
    head: str
    recorded_at: str | None  # when the fact at ``position`` was recorded
    signed_at: str
    anchors: tuple[tuple[int, str], ...]  # (position, global hash), ending at ``position``
    # (written as "position:hash" strings, one a line)
    signature: signing.Signature | None = None
    source: str | None = field(default=None, compare=False)  # the file it was read from

    def document(self) -> dict[str, Any]:
        """What is signed: every field but the signature."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "position": self.position,
            "head": self.head,
            "recorded_at": self.recorded_at,
            "signed_at": self.signed_at,
            "anchors": [f"{p}:{h}" for p, h in self.anchors],
        }

    def to_bytes(self) -> bytes:
        doc = self.document()
        if self.signature is not None:
            doc["signature"] = self.signature.to_dict()
        return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode()

    @property
    def name(self) -> str:
        return self.source or f"checkpoint at position {self.position}"

    def check_signature(self, public: Ed25519PublicKey) -> None:
        """Raise ``IntegrityError`` unless the checkpoint is signed by ``public`` and unchanged."""
        if self.signature is None:
            raise IntegrityError(f"{self.name}: not signed")
        try:
            signing.check(public, CONTEXT, self.document(), self.signature)
        except IntegrityError as err:
            raise IntegrityError(f"{self.name}: {err}") from None

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Checkpoint:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as err:
            raise ConfigurationError(
                f"invalid value {str(path)!r} for 'checkpoint': cannot be read ({err.strerror})"
            ) from None
        except ValueError as err:
            raise IntegrityError(f"{path}: not a checkpoint (not JSON: {err})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise IntegrityError(f"{path}: not an oprisk checkpoint")
        if doc.get("version") != VERSION:
            raise IntegrityError(
                f"{path}: checkpoint version {doc.get('version')!r} is not {VERSION}"
            )
        try:
            anchors = tuple((int(a.split(":")[0]), a.split(":")[1]) for a in doc["anchors"])
            cp = cls(
                position=int(doc["position"]),
                head=str(doc["head"]),
                recorded_at=doc["recorded_at"],
                signed_at=str(doc["signed_at"]),
                anchors=anchors,
                signature=signing.Signature.from_dict(doc["signature"])
                if "signature" in doc
                else None,
                source=str(path),
            )
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
            raise IntegrityError(f"{path}: malformed checkpoint ({err!r})") from None
        if cp.position > 0 and cp.anchors[-1:] != ((cp.position, cp.head),):
            raise IntegrityError(f"{path}: malformed checkpoint (the last anchor is not the head)")
        return cp


def disagreements(w: Walk, checkpoints: Sequence[Checkpoint]) -> list[Problem]:
    """Compare a walk of the log with checkpoints: for each, the first position that disagrees."""
    out: list[Problem] = []
    for cp in sorted(checkpoints, key=lambda c: c.position):
        before = 0
        for p, h in cp.anchors:
            stretch = f"position {p}" if p == before + 1 else f"positions {before + 1}–{p}"
            if p > w.last_position:
                out.append(
                    Problem(
                        "checkpoint",
                        f"the log ends at position {w.last_position}, before position {p} "
                        f"signed in {cp.name}: facts were removed",
                        position=w.last_position + 1,
                    )
                )
                break
            if w.heads.get(p) != h:
                missing = p not in w.heads
                out.append(
                    Problem(
                        "checkpoint",
                        f"the log disagrees with {cp.name} at position {p}"
                        + (" (no fact there)" if missing else "")
                        + f": a fact at {stretch} was changed, removed, inserted or reordered",
                        position=p,
                    )
                )
                break
            before = p
    return out


def take(
    conn: Connection,
    key: Ed25519PrivateKey,
    signer: str,
    *,
    store: EventStore | None = None,
    previous: Iterable[Checkpoint] = (),
    clock: Callable[[], datetime] | None = None,
) -> Checkpoint:
    """Walk the whole log (checking every fact), then sign its head and anchors.

    Refuses (``IntegrityError``) a log with any problem, or one that disagrees with a
    ``previous`` checkpoint (whose signatures the caller has checked): a checkpoint must never
    bless a changed log.
    """
    store = store or EventStore()
    previous = list(previous)
    head = store.head(conn)
    want = anchor_positions(head)
    want_all = set(want) | {p for cp in previous for p, _ in cp.anchors}
    w = walk(conn, want_all)
    problems = w.problems + stream_link_problems(conn) + head_problems(conn, w)
    problems += disagreements(w, previous)
    if problems:
        raise IntegrityError(
            "the log does not verify; no checkpoint written:\n"
            + "\n".join(f"  {p}" for p in problems)
        )
    t = store.time_of(conn, head) if head else None
    now = (clock or (lambda: datetime.now(UTC)))()
    cp = Checkpoint(
        position=head,
        head=w.head,
        recorded_at=t.isoformat() if t else None,
        signed_at=now.astimezone(UTC).isoformat(),
        anchors=tuple((p, w.heads[p]) for p in want),
    )
    signature = signing.sign(key, CONTEXT, cp.document(), signer)
    return Checkpoint(cp.position, cp.head, cp.recorded_at, cp.signed_at, cp.anchors, signature)


def write(cp: Checkpoint, path: str | os.PathLike[str]) -> None:
    """Write a checkpoint to a new file (an existing file is never overwritten: it is evidence)."""
    try:
        write_new(path, cp.to_bytes(), mode=0o644)
    except FileExistsError:
        raise ConfigurationError(
            f"invalid value {str(path)!r} for 'out': exists already (checkpoints are kept, "
            "never overwritten: name each one, e.g. by date)"
        ) from None
