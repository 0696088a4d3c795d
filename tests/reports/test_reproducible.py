"""An export names its knowledge cut-off and re-running it at that cut-off gives the same bytes;
``--verify`` re-runs it from the manifest and catches a changed byte."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from oprisk.api import connect
from oprisk.cli import main


def files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def cli(db, *args: str):
    url = db.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(main, ["--db", url, *args], catch_exceptions=False)


def test_same_cutoff_same_bytes_after_more_facts(seeded, more_facts, tmp_path):
    db, t = seeded
    first, second, now = tmp_path / "first", tmp_path / "second", tmp_path / "now"
    r1 = db.reports.export("all", "2025", t, ["xlsx", "csv", "json"], first)
    # new losses, a reclassification, a recovery, new and revised FX rates, a revised financial figure
    more_facts(db)
    r2 = db.reports.export("all", "2025", t, ["xlsx", "csv", "json"], second)
    assert files(first) == files(second)  # every file, manifest.json included
    assert r1.files == r2.files and len(r1.files) == 13
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["knowledge_cutoff"]["position"] == db.position(t)
    assert manifest["knowledge_cutoff"]["time"] is not None
    assert manifest["parameters"]["threshold"] == "20000" and manifest["profile"]["name"] == "basel"
    assert manifest["oprisk_version"]
    # the later facts do change an export made now: the test is not vacuous
    r3 = db.reports.export("all", "2025", None, ["csv"], now)
    assert r3.files["c17.01.csv"] != r1.files["c17.01.csv"]
    assert r3.files["or2.csv"] != r1.files["or2.csv"]
    # the workbook carries the cut-off time, not the wall clock, in its properties and zip entries
    stamp = datetime.fromisoformat(manifest["knowledge_cutoff"]["time"]).replace(tzinfo=None)
    with zipfile.ZipFile(first / "oprisk-2025.xlsx") as z:
        assert {i.date_time[:5] for i in z.infolist()} == {stamp.timetuple()[:5]}
        assert stamp.strftime("%Y-%m-%dT%H:%M:%SZ") in z.read("docProps/core.xml").decode()


def test_cli_export_and_verify(seeded, more_facts, tmp_path):
    db, t = seeded
    out = tmp_path / "out"
    res = cli(
        db,
        "export",
        "--template",
        "all",
        "--period",
        "2025",
        "--as-of",
        t.isoformat(),
        "--format",
        "xlsx,csv",
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.output
    assert f"position {db.position(t)}" in res.output
    more_facts(db)
    ok = cli(db, "export", "--verify", str(out))
    assert ok.exit_code == 0, ok.output
    assert "reproduced byte for byte" in ok.output
    # one changed byte in one file → exit 1 naming that file
    target = out / "c17.01.csv"
    data = bytearray(target.read_bytes())
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")
    target.write_bytes(bytes(data))
    bad = cli(db, "export", "--verify", str(out))
    assert bad.exit_code == 1
    assert "c17.01.csv" in bad.output and "oprisk-2025.xlsx" not in bad.output


def test_verify_catches_a_manifest_whose_hash_was_forged(seeded, tmp_path):
    db, t = seeded
    out = tmp_path / "out"
    db.reports.export(["c17.02"], "2025", t, "csv", out)
    target = out / "c17.02.csv"
    target.write_bytes(target.read_bytes().replace(b"1200000.00", b"1100000.00"))
    m = json.loads((out / "manifest.json").read_text())
    import hashlib

    m["files"]["c17.02.csv"] = hashlib.sha256(target.read_bytes()).hexdigest()  # hide the edit
    (out / "manifest.json").write_text(json.dumps(m))
    report = db.reports.verify(out)
    assert not report.ok
    assert any("c17.02.csv" in p and "re-running" in p for p in report.problems)


def test_usage_errors(db, tmp_path):
    assert cli(db, "export", "--period", "2025").exit_code == 2
    res = cli(db, "export", "--template", "c99", "--period", "2025", "--out", str(tmp_path))
    assert res.exit_code == 2 and "c99" in res.output
    res = cli(db, "export", "--verify", str(tmp_path))
    assert res.exit_code == 2 and "manifest" in res.output


@pytest.mark.postgres
def test_sqlite_and_postgresql_export_the_same_bytes(pg_db, clock, seed_facts, tmp_path):
    """The same facts, recorded at the same times, export to the same bytes on both databases:
    every template in CSV, JSON and XLSX (the manifests differ only in the log digest, which
    hashes each fact's random correlation id)."""
    lite = connect(f"sqlite:///{tmp_path}/same.db", clock=type(clock)())
    pg_db.store.clock = type(clock)()
    try:
        cutoffs = []
        for db in (lite, pg_db):
            db.store.clock.jump(datetime(2026, 2, 1, 9, tzinfo=UTC))
            seed_facts(db)
            cutoffs.append(db.store.clock.now + timedelta(seconds=1))
        assert cutoffs[0] == cutoffs[1] and lite.position() == pg_db.position()
        out = {}
        for name, db in (("sqlite", lite), ("postgresql", pg_db)):
            out[name] = tmp_path / name
            db.reports.export("all", "2025", cutoffs[0], ["xlsx", "csv", "json"], out[name])
        a, b = files(out["sqlite"]), files(out["postgresql"])
        ma, mb = (json.loads(x.pop("manifest.json")) for x in (a, b))
        assert a == b and len(a) == 13
        ma.pop("log_digest", None), mb.pop("log_digest", None)
        assert _without_digest(ma) == _without_digest(mb)
        # the EBA 4.2 templates and their report package, too
        for name, db in (("sqlite", lite), ("postgresql", pg_db)):
            out[name] = tmp_path / f"{name}-4.2"
            db.reports.export(None, "2025", cutoffs[0], ["xbrl-csv", "xlsx", "csv", "json"],
                              out[name], framework="4.2", entity="529900T8BM49AURSDO55")  # fmt: skip
        a, b = files(out["sqlite"]), files(out["postgresql"])
        ma, mb = (json.loads(x.pop("manifest.json")) for x in (a, b))
        assert a == b and len(a) == 2 + 2 * 8 and any(n.endswith(".zip") for n in a)
        assert _without_digest(ma) == _without_digest(mb)
    finally:
        lite.close()


def _without_digest(m):
    if isinstance(m, dict):  # the log digest and the checkpoint's head hash the correlation ids
        return {k: _without_digest(v) for k, v in m.items() if "digest" not in k and k != "head"}
    return m
