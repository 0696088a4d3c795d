"""Keys and checkpoints: file formats and modes, signatures checked by OpenSSL (an independent
implementation), anchors that locate a change in a long log, checkpoints that refuse a log
that does not verify."""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import stat
import subprocess
from datetime import date

import pytest
from click.testing import CliRunner
from security_support import disable_guards, rehash, seed, set_payload
from sqlalchemy import text

from oprisk.cli import main
from oprisk.store import checkpoint as cp
from oprisk.store.chain import canonical
from oprisk.store.eventstore import NewEvent
from oprisk.store.signing import PASSPHRASE_ENV

openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")


def cli(*args):
    return CliRunner().invoke(main, list(args))


def test_keys_new_writes_pkcs8_and_spki_pem_with_their_modes(tmp_path):
    out = cli("keys", "new", "--out", str(tmp_path / "audit"))
    assert out.exit_code == 0, out.output
    key, pub = tmp_path / "audit.key", tmp_path / "audit.pub"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8
    assert pub.read_text().startswith("-----BEGIN PUBLIC KEY-----")  # SubjectPublicKeyInfo
    again = cli("keys", "new", "--out", str(tmp_path / "audit"))
    assert again.exit_code == 2 and "never overwritten" in again.output


@openssl
def test_openssl_reads_the_keys_and_checks_a_checkpoint_signature(db, db_url, tmp_path):
    cli("keys", "new", "--out", str(tmp_path / "audit"))
    key, pub = tmp_path / "audit.key", tmp_path / "audit.pub"
    text_ = subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-noout", "-text"], capture_output=True, text=True
    )
    assert text_.returncode == 0 and "ED25519" in text_.stdout
    seed(db)
    out = cli("--db", db_url, "checkpoint", "--key", str(key), "--out", str(tmp_path / "c.json"))
    assert out.exit_code == 0, out.output
    doc = json.loads((tmp_path / "c.json").read_text())
    signature = doc.pop("signature")
    (tmp_path / "msg").write_bytes(f"{cp.CONTEXT}\n{canonical(doc)}".encode())
    (tmp_path / "sig").write_bytes(base64.b64decode(signature["value"]))
    check = subprocess.run(
        ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(pub), "-rawin",
         "-in", str(tmp_path / "msg"), "-sigfile", str(tmp_path / "sig")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    assert doc["position"] == 12 and doc["anchors"][-1] == f"12:{doc['head']}"


def test_an_encrypted_key_needs_its_passphrase(db, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse")
    cli("keys", "new", "--out", str(tmp_path / "k"))
    assert (tmp_path / "k.key").read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    seed(db)
    args = ["--db", db_url, "checkpoint", "--key", str(tmp_path / "k.key")]
    assert cli(*args, "--out", str(tmp_path / "a.json")).exit_code == 0
    monkeypatch.delenv(PASSPHRASE_ENV)
    out = cli(*args, "--out", str(tmp_path / "b.json"))
    assert out.exit_code == 2 and "encrypted" in out.output and PASSPHRASE_ENV in out.output


def test_anchors_are_every_position_up_to_1024_then_evenly_spaced():
    assert cp.anchor_positions(0) == []
    assert cp.anchor_positions(5) == [1, 2, 3, 4, 5]
    assert cp.anchor_positions(1024) == list(range(1, 1025))
    many = cp.anchor_positions(1_000_001)
    assert len(many) <= 1024 and many[-1] == 1_000_001
    gaps = {b - a for a, b in itertools.pairwise(many[:-1])}
    assert gaps == {977}  # ceil(1,000,001 / 1024); the last stretch ends at the head
    assert 0 < many[-1] - many[-2] <= 977


def test_a_change_in_a_long_log_is_located_between_two_anchors(db, db_url, tmp_path):
    with db.writing() as conn:  # 1,100 facts: anchors every second position
        db.store.append(conn, "bulk", "test", [NewEvent("test.n", {"n": i}) for i in range(1100)])
    cli("keys", "new", "--out", str(tmp_path / "k"))
    path = tmp_path / "c.json"
    cli("--db", db_url, "checkpoint", "--key", str(tmp_path / "k.key"), "--out", str(path))
    with db.engine.begin() as conn:
        disable_guards(conn)
        set_payload(conn, 499, n=-1)
        rehash(conn)
    out = cli(
        "--db", db_url, "verify", "--checkpoint", str(path), "--public-key", str(tmp_path / "k.pub")
    )
    assert out.exit_code == 1
    assert "first position that disagrees: 500" in out.output
    assert "a fact at positions 499–500 was changed" in out.output


def test_a_checkpoint_is_refused_for_a_log_that_does_not_verify_or_disagrees(db, db_url, tmp_path):
    seed(db)
    cli("keys", "new", "--out", str(tmp_path / "k"))
    key = str(tmp_path / "k.key")
    first = tmp_path / "first.json"
    assert cli("--db", db_url, "checkpoint", "--key", key, "--out", str(first)).exit_code == 0
    out = cli("--db", db_url, "checkpoint", "--key", key, "--out", str(first))
    assert out.exit_code == 2 and "never overwritten" in out.output
    db.record_impact("E2", actor="ann", amount="1", currency="EUR", accounted_on=date(2025, 6, 1))
    second = ["--db", db_url, "checkpoint", "--key", key, "--previous", str(first)]
    assert cli(*second, "--out", str(tmp_path / "second.json")).exit_code == 0
    with db.engine.begin() as conn:  # rewritten and rehashed: only the first checkpoint knows
        disable_guards(conn)
        set_payload(conn, 4, amount="1")
        rehash(conn)
    out = cli(*second, "--out", str(tmp_path / "third.json"))
    assert out.exit_code == 1 and "no checkpoint written" in out.output
    assert "disagrees with" in out.output and not (tmp_path / "third.json").exists()
    with db.engine.begin() as conn:  # changed without rehashing: the walk alone refuses
        conn.execute(text("UPDATE events SET payload = payload WHERE position = 1"))
        set_payload(conn, 2, title="changed")
    out = cli("--db", db_url, "checkpoint", "--key", key, "--out", str(tmp_path / "fourth.json"))
    assert out.exit_code == 1 and "hash: stored hash does not match" in out.output


def test_a_signed_checkpoint_file_is_public_and_readable(db, db_url, tmp_path):
    seed(db)
    cli("keys", "new", "--out", str(tmp_path / "k"))
    path = tmp_path / "c.json"
    cli("--db", db_url, "checkpoint", "--key", str(tmp_path / "k.key"), "--out", str(path),
        "--signer", "audit@bank")  # fmt: skip
    doc = json.loads(path.read_text())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert doc["signature"]["signer"] == "audit@bank" and doc["signature"]["algorithm"] == "Ed25519"
    assert set(doc) == {
        "anchors", "format", "head", "position", "recorded_at", "signature", "signed_at", "version"
    }  # fmt: skip
