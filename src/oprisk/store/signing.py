"""Ed25519 keys and signatures (the ``cryptography`` package) for checkpoints and manifests.

``oprisk keys new --out NAME`` writes ``NAME.key`` (PEM, PKCS#8, mode 0600; encrypted when
``OPRISK_KEY_PASSPHRASE`` is set) and ``NAME.pub`` (PEM, SubjectPublicKeyInfo). A signature is
made over a context string and the canonical JSON of a document, so a checkpoint's signature can
never pass for a manifest's and the other way round.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from oprisk.errors import ConfigurationError, IntegrityError
from oprisk.safefiles import write_new
from oprisk.store.chain import canonical

PASSPHRASE_ENV = "OPRISK_KEY_PASSPHRASE"
ALGORITHM = "Ed25519"


def key_id(public: Ed25519PublicKey) -> str:
    """The SHA-256 of the raw 32-byte public key, in hex: names a key in documents and messages."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def new_key_pair(out: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``OUT.key`` (0600) and ``OUT.pub`` (0644); refuses to overwrite either."""
    base = Path(out)
    key_path, pub_path = base.with_name(base.name + ".key"), base.with_name(base.name + ".pub")
    for p in (key_path, pub_path):
        if p.exists() or p.is_symlink():
            raise ConfigurationError(f"{p} already exists: keys are never overwritten")
    private = Ed25519PrivateKey.generate()
    passphrase = os.environ.get(PASSPHRASE_ENV)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    pub = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    write_new(key_path, pem, mode=0o600)
    write_new(pub_path, pub, mode=0o644)
    return key_path, pub_path


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    data = _read(path, "key")
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        key = serialization.load_pem_private_key(data, passphrase.encode() if passphrase else None)
    except TypeError:
        raise ConfigurationError(
            f"invalid value {str(path)!r} for 'key': the key is encrypted; set {PASSPHRASE_ENV}"
        ) from None
    except ValueError as err:
        raise ConfigurationError(
            f"invalid value {str(path)!r} for 'key': not a PEM private key ({err})"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(
            f"invalid value {str(path)!r} for 'key': must be an Ed25519 key (oprisk keys new)"
        )
    return key


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    data = _read(path, "public_key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as err:
        raise ConfigurationError(
            f"invalid value {str(path)!r} for 'public_key': not a PEM public key ({err})"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigurationError(
            f"invalid value {str(path)!r} for 'public_key': must be an Ed25519 public key"
        )
    return key


def _read(path: str | os.PathLike[str], name: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise ConfigurationError(
            f"invalid value {str(path)!r} for {name!r}: cannot be read ({err.strerror})"
        ) from None


def _message(context: str, document: dict[str, Any]) -> bytes:
    return f"{context}\n{canonical(document)}".encode()


@dataclass(frozen=True)
class Signature:
    """A detached signature of a document: algorithm, key id, signer and the signature (base64)."""

    key_id: str
    signer: str
    value: str
    algorithm: str = ALGORITHM

    def to_dict(self) -> dict[str, str]:
        return {
            "algorithm": self.algorithm,
            "key_id": self.key_id,
            "signer": self.signer,
            "value": self.value,
        }

    @classmethod
    def from_dict(cls, d: Any) -> Signature:
        if not isinstance(d, dict) or d.get("algorithm") != ALGORITHM:
            raise IntegrityError(f"not an {ALGORITHM} signature: {d!r}"[:200])
        try:
            return cls(str(d["key_id"]), str(d["signer"]), str(d["value"]))
        except KeyError as err:
            raise IntegrityError(f"the signature has no {err.args[0]!r}") from None


def sign(key: Ed25519PrivateKey, context: str, document: dict[str, Any], signer: str) -> Signature:
    """Sign the canonical JSON of ``document`` (under ``context``)."""
    raw = key.sign(_message(context, document))
    return Signature(key_id(key.public_key()), signer, base64.b64encode(raw).decode())


def check(
    public: Ed25519PublicKey, context: str, document: dict[str, Any], signature: Signature
) -> None:
    """Raise ``IntegrityError`` unless ``signature`` is ``public``'s signature of ``document``."""
    if signature.key_id != key_id(public):
        raise IntegrityError(
            f"signed by key {signature.key_id[:16]}… ({signature.signer}), not by the public key "
            f"given ({key_id(public)[:16]}…)"
        )
    try:
        public.verify(base64.b64decode(signature.value), _message(context, document))
    except (InvalidSignature, ValueError):
        raise IntegrityError(
            f"the signature by {signature.signer} does not match the document: it was changed "
            "after signing"
        ) from None
