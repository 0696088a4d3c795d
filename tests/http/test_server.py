"""The same app under a real uvicorn on 127.0.0.1 (``oprisk serve``), on both databases: the
server is started on a free port, found ready through ``/readyz``, driven over TCP and stopped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx2
import pytest
from click.testing import CliRunner
from tests.http.conftest import INCIDENT

from oprisk.cli import main


@pytest.fixture
def server(db_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    runner = CliRunner()
    tokens = {}
    for name, role in (("ticketing", "reporter"), ("reviewer", "approver"), ("audit", "auditor")):
        out = runner.invoke(main, ["--db", db_url, "users", "add", name, "--role", role])
        assert out.exit_code == 0, out.output
        tokens[name] = out.stdout.strip()
    cmd = [sys.executable, "-c", "from oprisk.cli import main; main()", "--db", db_url, "serve",
           "--host", "127.0.0.1", "--port", "0"]  # fmt: skip
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env={**os.environ})
    assert proc.stderr is not None
    base = None
    for line in proc.stderr:  # uvicorn names the port it bound once it listens
        m = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
        if m:
            base = m[1]
            break
    # keep reading the server's log so that a full pipe never blocks it
    drain = threading.Thread(target=proc.stderr.read, daemon=True)
    drain.start()
    try:
        assert base, "the server did not start"
        yield base, tokens
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        drain.join(timeout=60)


def test_a_session_over_tcp(server: tuple[str, dict[str, str]]) -> None:
    base, tokens = server
    with httpx2.Client(base_url=base, timeout=30) as http:
        assert http.get("/readyz").json()["status"] == "ready"

        def auth(name: str, **h: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens[name]}", **h}

        r = http.post("/v1/loss-events", json={"external_id": "T-1", **INCIDENT},
                      headers=auth("ticketing", **{"Idempotency-Key": "t-1"}))  # fmt: skip
        assert r.status_code == 201, r.text
        assert r.json()["event_id"] == "ticketing:T-1"
        line = {"amount": "1200.50", "currency": "EUR", "accounted_on": "2025-03-31"}
        for _ in range(2):
            r = http.post("/v1/loss-events/ticketing:T-1/impacts", json=line,
                          headers=auth("ticketing", **{"Idempotency-Key": "t-1-line"}))  # fmt: skip
            assert r.status_code == 200 and r.headers["etag"] == '"2"'
        http.post("/v1/loss-events/ticketing:T-1/submit", headers=auth("ticketing"))
        r = http.post("/v1/loss-events/ticketing:T-1/approve", headers=auth("reviewer"))
        assert r.status_code == 200
        history = http.get("/v1/loss-events/ticketing:T-1/history", headers=auth("audit")).json()
        assert [v["actor"] for v in history["versions"]] == [
            "ticketing",
            "ticketing",
            "ticketing",
            "reviewer",
        ]
        verify = http.get("/v1/verify", headers=auth("audit")).json()
        assert verify["ok"] is True and verify["events"] == 3 + 4  # three principals, four facts
        r = http.get("/v1/verify")
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


def test_serve_freezes_what_is_alive_before_it_serves(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Objects alive once the app is built (modules, the app) are frozen before uvicorn runs, so
    that Python's full collections during serving do not walk them (docs/http.md)."""
    import gc

    import uvicorn

    seen: dict[str, int] = {}

    def run(app, **kwargs) -> None:  # type: ignore[no-untyped-def]
        seen["frozen"] = gc.get_freeze_count()

    monkeypatch.setattr(uvicorn, "run", run)
    gc.unfreeze()
    try:
        out = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'o.db'}", "serve"])
    finally:
        gc.unfreeze()
    assert out.exit_code == 0, out.output
    assert seen["frozen"] > 10_000  # the modules and the app, not a handful of objects
