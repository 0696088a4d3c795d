"""HTTP API under load: ``oprisk serve`` on 127.0.0.1 against the in-process facade.

What it does, per database (SQLite in a temp dir; PostgreSQL in a throw-away database):

1. **Facade baseline**: ``Database.report`` for E events, then ``Database.record_impact`` × I
   per event, one thread, in-process, on a database of its own; each phase is measured right
   before the same phase over HTTP, R times (``--repeats``), and the ratios are medians.
2. **The service**: ``oprisk serve --rate-limit 0`` as a separate process; 32 clients on
   127.0.0.1 (asyncio, HTTP/1.1 keep-alive, one principal each) first report their share of the
   E events, then add I impacts to each, every request with an ``Idempotency-Key``. A share of
   requests is sent again after its answer (a retry: the answer must be the first one, byte for
   byte) and a share of connections is dropped mid-request (half after part of the body, half
   after the whole request but before the answer), then retried on a new connection. Every loop
   is bounded in count and in time (``--deadline``).
3. **Proof afterwards**: the facts in the log equal the accepted requests (one
   ``loss_event.reported`` per accepted report, one ``impact_recorded`` per accepted impact, each
   carrying its request's key once), no duplicates, and ``verify`` is clean.

Usage::

    .venv/bin/python benchmarks/api.py                 # both databases, ~3-5 minutes
    .venv/bin/python benchmarks/api.py --events 160 --impacts 2 --no-postgres   # a quick run

Prints a Markdown report: throughput per endpoint next to the facade's, p50 / p95 / p99 latency
per endpoint, the retries and drops, and the no-loss check.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from oprisk.api import connect

PG = os.environ.get("OPRISK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLIENTS = 32
INCIDENT = {
    "title": "Card skimming at ATM network",
    "description": "Skimming devices found on three ATMs; customers reimbursed.",
    "event_type": "ET2.1",
    "business_line": "BL3",
    "legal_entity": "Example Bank AG",
    "occurred_on": "2025-03-01",
    "discovered_on": "2025-03-04",
    "currency": "EUR",
}


def impact(j: int) -> dict[str, Any]:
    return {"amount": f"{1000 + 17 * j}.25", "currency": "EUR", "accounted_on": "2025-03-31"}


# --- the facade baseline ----------------------------------------------------------------------


FIELDS = {k: (date.fromisoformat(v) if k.endswith("_on") else v) for k, v in INCIDENT.items()}


def facade_phase(db: Any, kind: str, ids: list[str], impacts: int) -> float:
    """Requests per second of the in-process facade for one phase (one thread)."""
    t0 = time.perf_counter()
    if kind == "report":
        for i in ids:
            db.report(i, actor="bench", **FIELDS)
        return len(ids) / (time.perf_counter() - t0)
    for j in range(impacts):
        amount = impact(j)["amount"]
        for i in ids:
            db.record_impact(i, actor="bench", amount=amount, currency="EUR",
                             accounted_on=date(2025, 3, 31))  # fmt: skip
    return len(ids) * impacts / (time.perf_counter() - t0)


# --- a minimal HTTP/1.1 client ------------------------------------------------------------------


class Dropped(Exception):
    pass


class Client:
    def __init__(self, port: int, token: str, rng: random.Random, args: argparse.Namespace) -> None:
        self.port, self.token, self.rng, self.args = port, token, rng, args
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.counts: Counter[str] = Counter()
        self.accepted: dict[str, set[str]] = defaultdict(set)

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def _close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    def _bytes(self, path: str, body: dict[str, Any], key: str) -> tuple[bytes, bytes]:
        data = orjson.dumps(body)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode()
        return head, data

    async def _send(self, head: bytes, data: bytes, drop: str | None) -> tuple[int, bytes]:
        if self.writer is None:
            await self._connect()
        assert self.reader is not None and self.writer is not None
        if drop == "partial":
            self.writer.write(head + data[: len(data) // 2])
            await self.writer.drain()
            self._close()
            raise Dropped
        self.writer.write(head + data)
        await self.writer.drain()
        if drop == "unread":
            self._close()
            raise Dropped
        first = await self.reader.readline()
        if not first:  # the server closed an idle keep-alive connection: send again (same key)
            self.counts["reconnects (idle keep-alive closed)"] += 1
            self._close()
            return await self._send(head, data, None)
        status = int(first.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    async def warm_up(self) -> None:
        """One authenticated request: the server verifies the token (argon2id) once and then
        remembers it, so the timed phases measure the steady state."""
        head = (
            f"GET /v1/loss-events/BENCH:warm-up HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {self.token}\r\n\r\n"
        ).encode()
        status, _ = await self._send(head, b"", None)
        assert status == 404, status

    async def post(self, kind: str, path: str, body: dict[str, Any], key: str) -> bool:
        head, data = self._bytes(path, body, key)
        drop = None
        if self.rng.random() < self.args.drop_share:
            drop = self.rng.choice(["partial", "unread"])
        if drop:
            self.counts[f"dropped ({drop})"] += 1
            with contextlib.suppress(Dropped):
                await self._send(head, data, drop)
            kind_after = f"{kind} after a drop"
        else:
            kind_after = kind
        t = time.perf_counter()
        status, answer = await self._send(head, data, None)
        self.latency[kind_after].append(time.perf_counter() - t)
        self.counts[f"{kind} {status}"] += 1
        if not 200 <= status < 300:
            return False
        self.accepted[kind].add(key)
        if self.rng.random() < self.args.retry_share:
            t = time.perf_counter()
            again_status, again = await self._send(head, data, None)
            self.latency[f"{kind} retry (replayed)"].append(time.perf_counter() - t)
            self.counts["retries"] += 1
            if (again_status, again) != (status, answer):
                self.counts["retry answered differently"] += 1
        return True


def answered(clients: list[Client]) -> int:
    """Requests answered so far (the latencies measured, retries included)."""
    return sum(len(v) for c in clients for v in c.latency.values())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def drive(
    port: int, pid: int, tokens: list[str], names: list[str], base: Any, args: argparse.Namespace
) -> dict[str, Any]:
    """Warm-up, then per repeat: facade reports, HTTP reports, facade impacts, HTTP impacts (each
    HTTP phase right after its baseline, so both see the same load on the machine)."""
    clients = [Client(port, t, random.Random(args.seed + i), args) for i, t in enumerate(tokens)]
    run_id = uuid.uuid4().hex[:6]
    rates: dict[str, list[tuple[float, float]]] = defaultdict(list)  # kind → (http, facade)
    seconds: Counter[str] = Counter()
    cpu: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])  # server s, client s, requests

    async def reports(c: Client, mine: list[int], deadline: float) -> None:
        for n in mine:
            if time.perf_counter() > deadline:
                return
            body = {"external_id": f"E{n}", "source": "BENCH", **INCIDENT}
            await c.post("report", "/v1/loss-events", body, f"{run_id}-r{n}")

    async def impacts(c: Client, mine: list[int], deadline: float) -> None:
        for j in range(args.impacts):
            for n in mine:
                if time.perf_counter() > deadline:
                    return
                if f"{run_id}-r{n}" not in c.accepted["report"]:
                    continue
                path = f"/v1/loss-events/BENCH:E{n}/impacts"
                await c.post("impact", path, impact(j), f"{run_id}-i{n}-{j}")

    t0 = time.perf_counter()
    await asyncio.gather(*(c.warm_up() for c in clients))
    seconds["warm-up"] = time.perf_counter() - t0
    for rep in range(args.repeats):
        numbers = range(rep * args.events, (rep + 1) * args.events)
        share = [list(numbers[i::CLIENTS]) for i in range(CLIENTS)]
        ids = [f"FACADE:{n}" for n in numbers]
        for kind, phase in (("report", reports), ("impact", impacts)):
            fac = facade_phase(base, kind, ids, args.impacts)
            before = sum(len(c.accepted[kind]) for c in clients)
            sent = answered(clients)
            server0, client0 = cpu_seconds(pid), time.process_time()
            t0 = time.perf_counter()
            deadline = t0 + args.deadline
            await asyncio.gather(
                *(phase(c, m, deadline) for c, m in zip(clients, share, strict=True))
            )
            took = time.perf_counter() - t0
            cpu[kind][0] += cpu_seconds(pid) - server0
            cpu[kind][1] += time.process_time() - client0
            cpu[kind][2] += answered(clients) - sent
            seconds[kind] += took
            done = sum(len(c.accepted[kind]) for c in clients) - before
            rates[kind].append((done / took, fac))
            print(f"  repeat {rep + 1} {kind}: HTTP {done / took:,.0f}/s, facade {fac:,.0f}/s",
                  file=sys.stderr)  # fmt: skip
    for c in clients:
        c._close()
    latency: dict[str, list[float]] = defaultdict(list)
    counts: Counter[str] = Counter()
    accepted: dict[str, dict[str, set[str]]] = {"report": {}, "impact": {}}
    for c, name in zip(clients, names, strict=True):
        for k, v in c.latency.items():
            latency[k] += v
        counts.update(c.counts)
        for kind in ("report", "impact"):
            accepted[kind][name] = c.accepted[kind]
    return {"rates": rates, "seconds": seconds, "latency": latency, "counts": counts,
            "accepted": accepted, "cpu": cpu}  # fmt: skip


# --- one database --------------------------------------------------------------------------------


def serve(url: str, log: Path) -> tuple[subprocess.Popen[str], int]:
    cmd = [sys.executable, "-c", "from oprisk.cli import main; main()", "--db", url, "serve",
           "--host", "127.0.0.1", "--port", "0", "--rate-limit", "0"]  # fmt: skip
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        m = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m[1])
            break
    else:
        raise RuntimeError("the server did not start")
    out = log.open("w")
    threading.Thread(target=lambda: [out.write(x) for x in proc.stderr or ()], daemon=True).start()
    return proc, port


def check(url: str, accepted: dict[str, dict[str, set[str]]]) -> dict[str, Any]:
    db = connect(url)
    facts = [
        f for f in db.events() if f.stream_type == "loss_event" and f.stream_id.startswith("BENCH:")
    ]
    by_type = Counter(f.event_type for f in facts)
    keys = Counter(f.meta.get("idempotency_key") for f in facts)
    want = {k for kind in accepted.values() for keys_ in kind.values() for k in keys_}
    report = db.verify()
    db.close()
    return {
        "reported facts": by_type["loss_event.reported"],
        "accepted reports": sum(len(v) for v in accepted["report"].values()),
        "impact facts": by_type["loss_event.impact_recorded"],
        "accepted impacts": sum(len(v) for v in accepted["impact"].values()),
        "keys with more than one fact": sum(1 for n in keys.values() if n > 1),
        "facts of no accepted request": sum(1 for k in keys if k not in want),
        "accepted requests without their fact": len(want - set(keys)),
        "verify": "clean" if report.ok else f"{len(report.problems)} problems",
    }


def run(label: str, url: str, base_url: str, args: argparse.Namespace, tmp: Path) -> str:
    db = connect(url)
    names, tokens = [], []
    for i in range(CLIENTS):
        _, token = db.principals.add(f"client-{i:02d}", ["reporter"], actor="bench")
        names.append(f"client-{i:02d}")
        tokens.append(token)
    db.close()
    print(f"{label}: {CLIENTS} clients against oprisk serve …", file=sys.stderr)
    proc, port = serve(url, tmp / f"server-{label}.log")
    base = connect(base_url)
    try:
        res = asyncio.run(drive(port, proc.pid, tokens, names, base, args))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        base.close()
    ok = check(url, res["accepted"])
    lines = [f"### {label}", ""]
    lines.append(
        "| endpoint | HTTP req/s (runs) | facade req/s (runs) | ratio, median of runs (target ≥ 0.5) |"
    )
    lines.append("|---|---|---|---:|")
    for kind in ("report", "impact"):
        pairs = res["rates"][kind]
        http = ", ".join(f"{h:,.0f}" for h, _ in pairs)
        fac = ", ".join(f"{f:,.0f}" for _, f in pairs)
        ratio = float(np.median([h / f for h, f in pairs]))
        lines.append(f"| {kind} | {http} | {fac} | **{ratio:.2f}×** |")
    lines += [
        "",
        "| endpoint | requests | p50 ms | p95 ms | p99 ms (target < 250) |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, values in sorted(res["latency"].items()):
        ms = np.array(values) * 1000
        p50, p95, p99 = np.percentile(ms, [50, 95, 99])
        lines.append(f"| {kind} | {len(ms):,} | {p50:.1f} | {p95:.1f} | {p99:.1f} |")
    lines += [
        "",
        "CPU per answered request (retries included), summed over the runs: "
        + "; ".join(
            f"{kind}: server {1000 * s / n:.2f} ms, client {1000 * cl / n:.2f} ms"
            for kind, (s, cl, n) in res["cpu"].items()
            if n
        )
        + f" (load average at the end: {os.getloadavg()[0]:.1f}).",
    ]
    lines += [
        "",
        f"Warm-up (first request per token, argon2id verification, all {CLIENTS} at once): "
        f"{res['seconds']['warm-up']:.1f} s.",
    ]
    lines += [
        "",
        "Requests: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(res["counts"].items())),
        "",
    ]
    lines += ["No-loss check: " + "; ".join(f"{k}: {v}" for k, v in ok.items()), ""]
    return "\n".join(lines)


def _pg_database() -> str:
    admin = create_engine(
        make_url(PG).set(drivername="postgresql+psycopg2"), isolation_level="AUTOCOMMIT"
    )
    name = f"oprisk_bench_api_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(PG).set(database=name).render_as_string(hide_password=False)
    from oprisk.store import migrate
    from oprisk.store.engine import make_engine

    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def _pg_drop(url: str) -> None:
    admin = create_engine(
        make_url(PG).set(drivername="postgresql+psycopg2"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--events", type=int, default=320, help="loss events reported per run (all clients)"
    )
    p.add_argument("--repeats", type=int, default=3, help="runs; the ratios are medians")
    p.add_argument("--impacts", type=int, default=3, help="impacts added to each event")
    p.add_argument("--retry-share", type=float, default=0.10)
    p.add_argument("--drop-share", type=float, default=0.03)
    p.add_argument("--deadline", type=float, default=240.0, help="seconds per phase at most")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--no-sqlite", action="store_true")
    args = p.parse_args()
    out = [
        "## HTTP API under load (`benchmarks/api.py`)",
        "",
        f"{CLIENTS} clients on 127.0.0.1, {args.repeats} runs of {args.events:,} events × (1 report + "
        f"{args.impacts} impacts), each HTTP phase right after its facade baseline; "
        f"every request with an Idempotency-Key; {args.retry_share:.0%} of answered requests sent again, "
        f"{args.drop_share:.0%} of connections dropped mid-request and retried; one `oprisk serve` "
        "process (uvicorn, JSON request logs on); the facade baseline is one thread in-process.",
        "",
    ]
    with tempfile.TemporaryDirectory(prefix="oprisk-bench-api-") as tmp:
        folder = Path(tmp)
        if not args.no_sqlite:
            sqlite = (f"sqlite:///{folder / 'api.db'}", f"sqlite:///{folder / 'facade.db'}")
            out.append(run("SQLite", *sqlite, args, folder))
        if not args.no_postgres:
            try:
                urls = (_pg_database(), _pg_database())
            except Exception as err:
                out.append(f"PostgreSQL skipped: {err}")
            else:
                try:
                    out.append(run("PostgreSQL", *urls, args, folder))
                finally:
                    for url in urls:
                        _pg_drop(url)
    print("\n".join(out))


if __name__ == "__main__":
    main()
