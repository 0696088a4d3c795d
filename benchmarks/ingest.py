"""Ingestion benchmark: ``db.load`` of a generated incident CSV against a floor measured in the same run.

What it measures, on SQLite (a file in a temp dir) and PostgreSQL (a fresh database per run):

* **oprisk** — ``connect(url).load(file, kind="incidents")`` end to end in a fresh subprocess
  and a fresh database: read → map → validate (``read_rows``) → plan each row against the current
  state → one transaction per batch of 1,000 rows (hash chain, append, read models). Rows/s and
  the subprocess's peak RSS (``ru_maxrss``).
* **floor** — the least any loader must do for the same file, each step timed separately:
  ``pandas.read_csv`` of the file (all columns as text), pydantic validation of every row
  (``IncidentRow.model_validate``, the same model oprisk builds), and a bare SQLAlchemy
  ``executemany`` of exactly the facts oprisk appended (read back from its database, untimed) into
  the empty ``events`` table of a fresh migrated database (same columns, keys and indexes; no log
  head, no read models), one transaction per 3,000 facts.

The file: N incidents with realistic columns (titles, descriptions, level-2 classes, dates, a gross
loss on every row and recoveries on some, one row in ten grouped under a root), ~3 facts per row.
Memory: the same load of a 1,000,000-row file (SQLite), peak RSS of the subprocess.

Each backend runs ``--repeat`` times (default 3), oprisk and the floor interleaved run by run; the
report gives medians, and the ratio is the median of the per-run ratios (oprisk / the floor
measured right after it), which the machine's changing load disturbs less than absolute rates.

Usage (repository root)::

    .venv/bin/python benchmarks/ingest.py                  # 100,000 rows + the 1,000,000-row memory run
    .venv/bin/python benchmarks/ingest.py --rows 20000 --no-million --repeat 1   # a quick run
    .venv/bin/python benchmarks/ingest.py --profile 20000  # cProfile of our loader (SQLite)

``OPRISK_BENCH_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``) names the
maintenance database used to create and drop the throw-away databases.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
COLUMNS = [
    "external_id", "title", "description", "event_type", "event_type_l2", "cause",
    "business_line", "legal_entity", "org_unit", "occurred_on", "discovered_on", "accounted_on",
    "currency", "gross_loss", "recovery_insurance", "recovery_other", "root_external_id", "deleted",
]  # fmt: skip
ET2 = ["ET1.1", "ET2.1", "ET2.2", "ET3.1", "ET4.1", "ET4.2", "ET5.1", "ET6.1", "ET7.1", "ET7.2"]
WHAT = ["Wire transfer sent to the wrong beneficiary", "Card skimming at ATM",
        "Unauthorised trade booked", "Mis-keyed FX settlement amount", "Data-centre power outage",
        "Phishing attack on corporate client", "Mis-selling complaint upheld"]  # fmt: skip


def generate(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(n):
            et2 = ET2[i % len(ET2)]
            gross = 1000 + (i * 7919) % 250_000
            month = 1 + i % 12
            w.writerow([
                f"INC-{i:07d}", f"{WHAT[i % len(WHAT)]} #{i}",
                f"Reported by branch {i % 97}; follow-up ticket T{i * 3}.", et2[:3], et2,
                ["people", "process", "systems", "external"][i % 4], f"BL{1 + i % 8}",
                "Example Bank AG", f"Unit {i % 40}", f"2024-{month:02d}-01",
                f"2024-{month:02d}-15", f"2024-{month:02d}-28", "EUR", f"{gross}.{i % 100:02d}",
                str(gross // 10) if i % 5 == 0 else "0", str(gross // 20) if i % 7 == 0 else "0",
                f"INC-{i - i % 10:07d}" if i % 10 == 5 else "", "no",
            ])  # fmt: skip
    return path


# --- workers (run in a subprocess so that peak RSS is the load's own) ---------------------------


def worker_ours(url: str, file: str, batch: int) -> dict[str, Any]:
    from oprisk.api import connect

    db = connect(url)
    t0 = time.perf_counter()
    report = db.load(file, kind="incidents", batch_size=batch, progress=False)
    seconds = time.perf_counter() - t0
    db.close()
    return {
        "seconds": seconds,
        "rows": report.rows_read,
        "loaded": report.loaded,
        "rejected": report.rejected,
        "facts": report.facts_appended,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def worker_floor(url: str, file: str, source_url: str) -> dict[str, Any]:
    import pandas as pd

    from oprisk.ingest.rows import IncidentRow
    from oprisk.store.engine import make_engine
    from oprisk.store.schema import events

    # the facts oprisk appended, read back untimed
    src = make_engine(source_url)
    with src.connect() as conn:
        facts = [
            dict(r._mapping) for r in conn.execute(sa.select(events).order_by(events.c.position))
        ]
    src.dispose()
    for f in facts:
        f["idempotency_key"] = None

    t0 = time.perf_counter()
    df = pd.read_csv(file, dtype=str, keep_default_na=False)
    t_read = time.perf_counter() - t0

    t0 = time.perf_counter()
    cols = list(df.columns)
    n = 0
    for values in df.itertuples(index=False, name=None):
        rec = {k: v for k, v in zip(cols, values, strict=True) if v != ""}
        rec["deleted"] = rec.get("deleted") == "yes"
        IncidentRow.model_validate(rec)
        n += 1
    t_validate = time.perf_counter() - t0

    engine = make_engine(url)  # a fresh migrated database: its empty ``events`` table
    t0 = time.perf_counter()
    for i in range(0, len(facts), 3000):
        with engine.begin() as conn:
            conn.execute(sa.insert(events), facts[i : i + 3000])
    t_insert = time.perf_counter() - t0
    engine.dispose()
    return {"rows": n, "facts": len(facts), "read_csv": t_read, "validate": t_validate,
            "executemany": t_insert, "seconds": t_read + t_validate + t_insert}  # fmt: skip


def run_worker(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"worker {args[0]} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --- databases ---------------------------------------------------------------------------------


class Backends:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pg_admin_url = os.environ.get("OPRISK_BENCH_POSTGRES_URL", DEFAULT_PG)
        self.pg_dbs: list[str] = []
        self.admin: sa.Engine | None = None
        try:
            admin = sa.create_engine(
                sa.engine.make_url(self.pg_admin_url).set(drivername="postgresql+psycopg2"),
                isolation_level="AUTOCOMMIT",
            )
            with admin.connect() as c:
                c.execute(sa.text("select 1"))
            self.admin = admin
        except Exception as err:
            print(f"PostgreSQL unavailable ({type(err).__name__}); skipping it", file=sys.stderr)

    def new(self, backend: str) -> str:
        from oprisk.store import migrate
        from oprisk.store.engine import make_engine

        if backend == "sqlite":
            url = f"sqlite:///{self.tmp / f'{uuid.uuid4().hex[:8]}.db'}"
        else:
            assert self.admin is not None
            name = f"oprisk_bench_{uuid.uuid4().hex[:10]}"
            with self.admin.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
            self.pg_dbs.append(name)
            url = sa.engine.make_url(self.pg_admin_url).set(database=name).render_as_string(False)
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        return url

    def close(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as c:
                for name in self.pg_dbs:
                    c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.admin.dispose()


# --- main --------------------------------------------------------------------------------------


def _median(xs: list[float]) -> float:
    return statistics.median(xs)


def bench(rows: int, million: bool, batch: int, repeat: int) -> str:
    out: list[str] = []
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="oprisk-ingest-bench-") as d:
        tmp = Path(d)
        backends = Backends(tmp)
        try:
            file = generate(tmp / "incidents.csv", rows)
            size = file.stat().st_size / 1e6
            results: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
            for backend in ("sqlite", "postgresql"):
                if backend == "postgresql" and backends.admin is None:
                    continue
                for _ in range(repeat):
                    url = backends.new(backend)
                    ours = run_worker("ours", url, str(file), str(batch))
                    floor = run_worker("floor", backends.new(backend), str(file), url)
                    results.setdefault(backend, []).append((ours, floor))
                    print(backend, json.dumps([ours, floor]), file=sys.stderr)
            mem: dict[str, Any] | None = None
            if million:
                big = generate(tmp / "million.csv", 1_000_000)
                url = backends.new("sqlite")
                mem = run_worker("ours", url, str(big), str(batch))
                mem["size_mb"] = big.stat().st_size / 1e6
                print("million", json.dumps(mem), file=sys.stderr)
        finally:
            backends.close()
    load_end = os.getloadavg()[0]

    out.append("# Ingestion benchmark (`benchmarks/ingest.py`)\n")
    out.append(
        f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs. "
        f"File: {rows:,} generated incident rows ({size:.1f} MB CSV, 18 columns), batch "
        f"{batch:,} rows per transaction; {repeat} run(s) per backend, medians. Load average "
        f"(1 min) {load_start:.1f} at start, {load_end:.1f} at end.\n"
    )
    out.append(
        "| backend | oprisk rows/s | facts | peak RSS | floor rows/s | read_csv | validate "
        "| executemany | oprisk / floor (per run) | median |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for backend, runs in results.items():
        ours_s = _median([o["seconds"] for o, _ in runs])
        floor_s = _median([f["seconds"] for _, f in runs])
        n = runs[0][0]["rows"]
        ratios = [(o["rows"] / o["seconds"]) / (f["rows"] / f["seconds"]) for o, f in runs]
        out.append(
            f"| {backend} | {n / ours_s:,.0f} ({ours_s:.1f} s) | {runs[0][0]['facts']:,} | "
            f"{max(o['maxrss_mb'] for o, _ in runs):,.0f} MB | {n / floor_s:,.0f} ({floor_s:.1f} s) | "
            f"{_median([f['read_csv'] for _, f in runs]):.2f} s | "
            f"{_median([f['validate'] for _, f in runs]):.2f} s | "
            f"{_median([f['executemany'] for _, f in runs]):.2f} s | "
            f"{', '.join(f'{r:.2f}' for r in ratios)} | **{_median(ratios):.2f}×** |"
        )  # fmt: skip
    if mem:
        out.append(
            f"\n1,000,000-row file ({mem['size_mb']:.0f} MB), SQLite: "
            f"{mem['rows']:,} rows, {mem['facts']:,} facts in {mem['seconds']:.0f} s "
            f"({mem['rows'] / mem['seconds']:,.0f} rows/s), **peak RSS {mem['maxrss_mb']:,.0f} MB** "
            "(target < 500 MB)."
        )
    return "\n".join(out) + "\n"


def profile(rows: int, batch: int) -> None:
    import cProfile
    import pstats

    from oprisk.api import connect

    with tempfile.TemporaryDirectory() as d:
        file = generate(Path(d) / "p.csv", rows)
        db = connect(f"sqlite:///{Path(d) / 'p.db'}")
        prof = cProfile.Profile()
        prof.enable()
        db.load(file, kind="incidents", batch_size=batch, progress=False)
        prof.disable()
        db.close()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3, help="runs per backend (medians)")
    p.add_argument("--no-million", action="store_true", help="skip the 1,000,000-row memory run")
    p.add_argument("--profile", type=int, default=0, metavar="ROWS")
    p.add_argument("--write", default=None, help="write the results to this Markdown file")
    p.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        kind, *rest = a.worker
        ours = kind == "ours"
        res = worker_ours(rest[0], rest[1], int(rest[2])) if ours else worker_floor(*rest)
        print(json.dumps(res))
        return
    if a.profile:
        profile(a.profile, a.batch)
        return
    text = bench(a.rows, not a.no_million, a.batch, a.repeat)
    print(text)
    if a.write:
        Path(a.write).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
