"""A load SIGKILLed mid-file and re-run ends in exactly the state of an uninterrupted load."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from oprisk.api import Database, connect

ROWS = 3000
OPRISK = str(Path(sys.executable).with_name("oprisk"))
COLUMNS = [
    "external_id", "title", "event_type", "business_line", "legal_entity", "occurred_on",
    "discovered_on", "accounted_on", "currency", "gross_loss", "recovery_insurance",
    "recovery_other", "root_external_id", "deleted",
]  # fmt: skip


def register(version: int) -> list[dict[str, str]]:
    """A few thousand incidents; version 2 changes amounts, titles and classes, deletes and adds."""
    rows = []
    for i in range(ROWS + (200 if version == 2 else 0)):
        gross = 1000 + 7 * i
        row = {
            "external_id": f"K-{i:05d}",
            "title": f"Incident {i}",
            "event_type": ["ET2", "ET7.1", "ET4.1", "ET6"][i % 4],
            "business_line": ["BL3", "BL5", "BL8"][i % 3],
            "legal_entity": "Bank",
            "occurred_on": "2024-01-01",
            "discovered_on": "2024-01-15",
            "accounted_on": "2024-01-31",
            "currency": "EUR",
            "gross_loss": str(gross),
            "recovery_insurance": str(gross // 10) if i % 5 == 0 else "0",
            "recovery_other": "0",
            "root_external_id": f"K-{i - i % 10:05d}" if i % 10 else "",
            "deleted": "no",
        }
        if version == 2 and i < ROWS:
            if i % 7 == 0:
                row["gross_loss"] = str(gross + 500)
                row["accounted_on"] = "2024-06-30"
            if i % 11 == 0:
                row["gross_loss"] = str(gross - 100)
            if i % 13 == 0:
                row["title"] += " (updated)"
            if i % 17 == 0:
                row["event_type"] = "ET1"
            if i % 23 == 5:
                row["deleted"] = "yes"
        rows.append(row)
    return rows


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_urls(
    request: pytest.FixtureRequest, tmp_path: Path, pg_server
) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'killed.db'}", f"sqlite:///{tmp_path / 'clean.db'}"
        return
    if pg_server is None:
        if os.environ.get("OPRISK_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required")
        pytest.skip("PostgreSQL is not reachable")
    urls = (pg_server.create(), pg_server.create())
    yield urls
    for url in urls:
        pg_server.drop(url)


def cli(url: str, path: Path) -> list[str]:
    return [OPRISK, "--db", url, "load", str(path), "--source", "core", "--batch-size", "20"]


def kill_mid_file(url: str, path: Path, db: Database, after: int) -> int:
    """Start a load, SIGKILL it once ``after`` more facts are committed; return the position then."""
    start = db.position()
    proc = subprocess.Popen(cli(url, path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while db.position() < start + after:
            assert proc.poll() is None, "the load finished before it could be killed"
            assert time.monotonic() < deadline, "the load made no progress"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return db.position()


def facts(db: Database) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for f in db.events():
        out.setdefault(f.stream_id, []).append(
            (f.version, f.event_type, f.payload, f.meta["actor"], f.meta.get("source"))
        )
    return out


def test_killed_load_rerun_matches_a_clean_load(two_urls: tuple[str, str], tmp_path: Path) -> None:
    killed_url, clean_url = two_urls
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1 = write(tmp_path / "v1" / "register.csv", register(1))
    v2 = write(tmp_path / "v2" / "register.csv", register(2))
    with connect(killed_url) as killed, connect(clean_url) as clean:
        # first load killed mid-file, then re-run
        at = kill_mid_file(killed_url, v1, killed, after=300)
        rerun = subprocess.run(cli(killed_url, v1), capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stderr
        first = killed.position()
        assert 0 < at < first, "the kill did not land mid-file"
        # the changed file: killed mid-file again, then re-run
        at = kill_mid_file(killed_url, v2, killed, after=150)
        rerun = subprocess.run(cli(killed_url, v2), capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stderr
        assert first < at < killed.position(), "the kill did not land mid-file"

        for path in (v1, v2):
            report = clean.load(path, source="core", batch_size=500, progress=False)
            assert report.rejected == 0

        a, b = killed.losses(include_withdrawn=True), clean.losses(include_withdrawn=True)
        assert len(a) == ROWS + 200
        pd.testing.assert_frame_equal(a, b)
        assert facts(killed) == facts(clean)
        assert killed.verify().ok
