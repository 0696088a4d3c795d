"""Export folders and manifests: a non-empty folder is refused unless --force (which removes what
the new manifest does not list), files are written atomically and never through a symlink,
--verify fails on unlisted files, and a manifest carries the log's checkpoint and can be signed."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import date

import pytest
from click.testing import CliRunner
from security_support import seed

from oprisk.cli import main
from oprisk.store.signing import load_private_key, load_public_key, new_key_pair


def cli(url, *args):
    return CliRunner().invoke(main, ["--db", url, *args])


def export(url, out, *more):
    return cli(url, "export", "--template", "c17.01,c17.02", "--period", "2025",
               "--format", "csv", "--out", str(out), *more)  # fmt: skip


@pytest.fixture
def seeded(db, db_url):
    seed(db)
    return db, db_url


def test_a_non_empty_folder_is_refused_unless_forced(seeded, tmp_path):
    _, url = seeded
    out = tmp_path / "out"
    out.mkdir()
    (out / "old-template.csv").write_text("stale")
    refused = export(url, out)
    assert (
        refused.exit_code == 2 and "is not empty" in refused.output and "--force" in refused.output
    )
    assert (out / "old-template.csv").read_text() == "stale"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / "c17.01.csv").symlink_to(victim)  # planted where an export file goes
    done = export(url, out, "--force")
    assert done.exit_code == 0, done.output
    assert sorted(os.listdir(out)) == ["c17.01.csv", "c17.02.csv", "manifest.json"]
    assert victim.read_text() == "precious" and not (out / "c17.01.csv").is_symlink()
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o640}
    (out / "sub").mkdir()
    again = export(url, out, "--force")
    assert again.exit_code == 2 and "removes files only" in again.output


def test_verify_fails_on_a_file_the_manifest_does_not_list(seeded, tmp_path):
    _, url = seeded
    out = tmp_path / "out"
    assert export(url, out).exit_code == 0
    assert cli(url, "export", "--verify", str(out)).exit_code == 0
    (out / "c17.03.csv").write_text("template,row\nc17.03,0010\n")
    bad = cli(url, "export", "--verify", str(out))
    assert (
        bad.exit_code == 1
        and "c17.03.csv: in" in bad.output
        and "not in the manifest" in bad.output
    )


def test_a_signed_manifest_carries_the_checkpoint_and_checks(seeded, tmp_path):
    db, url = seeded
    key, pub = new_key_pair(tmp_path / "exports")
    out, twice = tmp_path / "out", tmp_path / "twice"
    assert export(url, out, "--sign", str(key)).exit_code == 0
    assert export(url, twice, "--sign", str(key)).exit_code == 0
    raw = (out / "manifest.json").read_bytes()
    assert raw == (twice / "manifest.json").read_bytes()  # Ed25519 is deterministic
    m = json.loads(raw)
    head = db.checkpoint(load_private_key(key), "auditor")
    assert m["checkpoint"] == {"position": head.position, "head": head.head}
    assert m["signature"]["signer"] == "exports" and m["signature"]["algorithm"] == "Ed25519"
    ok = cli(url, "export", "--verify", str(out), "--public-key", str(pub))
    assert ok.exit_code == 0, ok.output
    assert "signature by exports checked" in ok.output
    # without the trusted key the signature is only noted
    assert "pass --public-key" in cli(url, "export", "--verify", str(out)).output
    # another key; an unsigned manifest where a signature is expected
    _, other = new_key_pair(tmp_path / "other")
    wrong = cli(url, "export", "--verify", str(out), "--public-key", str(other))
    assert wrong.exit_code == 1 and "not by the public key given" in wrong.output
    plain = tmp_path / "plain"
    export(url, plain)
    unsigned = cli(url, "export", "--verify", str(plain), "--public-key", str(pub))
    assert unsigned.exit_code == 1 and "not signed" in unsigned.output


def test_a_signed_manifest_changed_after_signing_is_refused(seeded, tmp_path):
    db, url = seeded
    key, pub = new_key_pair(tmp_path / "k")
    out = tmp_path / "out"
    export(url, out, "--sign", str(key))
    # a consistent forgery: a file changed and its hash in the manifest updated
    target = out / "c17.01.csv"
    target.write_bytes(target.read_bytes() + b"c17.01,0010,0010,1,count,,\n")
    m = json.loads((out / "manifest.json").read_text())
    m["files"]["c17.01.csv"] = hashlib.sha256(target.read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(m))
    bad = cli(url, "export", "--verify", str(out), "--public-key", str(pub))
    assert bad.exit_code == 1 and "changed after signing" in bad.output
    assert load_public_key(pub)  # the key itself is fine
    db.record_fx_rate("USD", date(2025, 7, 1), "0.91", actor="fx")  # later facts change nothing
