"""The log at scale (issue 19): ``verify`` against ``rebuild``, and loads at two sizes on
PostgreSQL without autovacuum.

What it measures, each step in a fresh subprocess (its peak RSS is ``ru_maxrss``):

* **verify / rebuild** — on a database of ``--small`` and ``--large`` register rows (about 2.5
  facts a row), on SQLite and PostgreSQL: ``db.verify()`` (chains, then the read models compared a
  batch of whole streams at a time) and ``db.rebuild()`` (the read models cleared and written
  again in the same batches), interleaved ``--repeat`` times; the ratio is the median of the
  per-run ratios verify / the rebuild right before it, and the peak RSS of each.
* **loads** — on PostgreSQL with ``autovacuum_enabled = false`` on every table of a fresh
  database (no statistics unless the loader gathers them): the first register, then the same
  register a month later (about 27 % of its rows changed, 2 % new), at both sizes; the ratio of
  the large to the small load time, against the ratio of their sizes.

The register (seeded ``numpy.random.default_rng``): every level-1 event type (level-2 codes) and
business line, EUR / USD / GBP, lognormal gross losses, insurance and other recoveries on about a
quarter of the rows, one row in twenty grouped under a root.

Usage (repository root)::

    .venv/bin/python benchmarks/scale_log.py                              # 40,000 and 400,000 rows
    .venv/bin/python benchmarks/scale_log.py --small 40000 --large 200000 --repeat 1

``OPRISK_BENCH_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``) names the
maintenance database used to create and drop the throw-away databases.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
ET2 = ["ET1.1", "ET1.2", "ET2.1", "ET2.2", "ET3.1", "ET3.2", "ET3.3", "ET4.1", "ET4.2", "ET4.3",
       "ET4.4", "ET4.5", "ET5.1", "ET6.1", "ET7.1", "ET7.2", "ET7.3", "ET7.4", "ET7.5", "ET7.6"]  # fmt: skip
COLUMNS = ["external_id", "title", "description", "event_type", "event_type_l2", "business_line",
           "legal_entity", "occurred_on", "discovered_on", "accounted_on", "currency",
           "gross_loss", "recovery_insurance", "recovery_other", "root_external_id"]  # fmt: skip


def register(n: int, seed: int = 19) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    et2 = rng.choice(ET2, n)
    start = date(2016, 1, 1).toordinal()
    occ = start + rng.integers(0, 3600, n)
    disc = occ + rng.exponential(30, n).astype(int)
    acc = disc + rng.exponential(20, n).astype(int)
    gross = np.round(np.exp(rng.normal(10.5, 1.4, n)), 2) + 10_000
    rec = rng.random(n)
    return {
        "et2": et2,
        "bl": rng.choice([f"BL{i}" for i in range(1, 9)], n),
        "ccy": rng.choice(["EUR", "USD", "GBP"], n, p=[0.6, 0.25, 0.15]),
        "occ": occ, "disc": disc, "acc": acc, "gross": gross,
        "ins": np.where(rec < 0.15, np.round(gross * rng.uniform(0.1, 0.6, n), 2), 0.0),
        "oth": np.where((rec >= 0.15) & (rec < 0.25), np.round(gross * 0.1, 2), 0.0),
        "root": np.where(rng.random(n) < 0.05, rng.integers(0, n, n), -1),
    }  # fmt: skip


def month_later(r: dict[str, np.ndarray], seed: int = 20) -> dict[str, np.ndarray]:
    """About 27 % of the rows changed (gross corrected, reclassified, a recovery booked) and 2 %
    new rows."""
    rng = np.random.default_rng(seed)
    n = len(r["gross"])
    v2 = {k: v.copy() for k, v in r.items()}
    pick = rng.random(n)
    fix = pick < 0.12
    v2["gross"][fix] = np.round(v2["gross"][fix] * 1.2, 2)
    moved = (pick >= 0.12) & (pick < 0.20)
    v2["bl"][moved] = rng.choice([f"BL{i}" for i in range(1, 9)], int(moved.sum()))
    paid = (pick >= 0.20) & (pick < 0.27)
    v2["oth"][paid] = v2["oth"][paid] + np.round(v2["gross"][paid] * 0.05, 2)
    new = register(n // 50, seed + 1)
    new["root"][:] = -1
    return {k: np.concatenate([v2[k], new[k]]) for k in v2}


def write(path: Path, r: dict[str, np.ndarray]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(len(r["gross"])):
            et2, root = str(r["et2"][i]), int(r["root"][i])
            w.writerow([
                f"INC-{i:07d}", f"{et2} loss {i}", f"register row {i}", et2[:3], et2,
                r["bl"][i], "Example Bank AG", date.fromordinal(int(r["occ"][i])),
                date.fromordinal(int(r["disc"][i])),
                date.fromordinal(int(r["acc"][i])) + timedelta(days=0), r["ccy"][i],
                f"{r['gross'][i]:.2f}", f"{r['ins'][i]:.2f}", f"{r['oth'][i]:.2f}",
                f"INC-{root:07d}" if 0 <= root < i and int(r["root"][root]) < 0 else "",
            ])  # fmt: skip
    return path


# --- workers (each in a fresh process) ----------------------------------------------------------


def worker(what: str, url: str, *files: str) -> dict[str, Any]:
    from oprisk.api import connect

    db = connect(url)
    db.position()  # connected before the clock starts (nothing that grows with the log)
    t = time.perf_counter()
    out: dict[str, Any] = {}
    if what == "load":
        for f in files:
            t = time.perf_counter()
            db.load(f, kind="incidents", source="GRC", actor="bench", progress=False)
            out.setdefault("seconds", []).append(time.perf_counter() - t)
        out["facts"] = db.position()
    elif what.startswith("verify"):
        jobs = int(what.partition(":")[2] or 1)  # verify:2 = verify --jobs 2
        report = db.verify(jobs=jobs, progress=False)
        assert report.ok, str(report)
        out["seconds"] = time.perf_counter() - t
    else:
        db.rebuild(progress=False)
        out["seconds"] = time.perf_counter() - t
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    db.close()
    return out


def run(*args: str) -> dict[str, Any]:
    p = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=False
    )
    if p.returncode:
        raise SystemExit(p.stderr[-3000:])
    return dict(json.loads(p.stdout.strip().splitlines()[-1]))


def admin_engine() -> sa.Engine:
    u = sa.make_url(os.environ.get("OPRISK_BENCH_POSTGRES_URL", DEFAULT_PG))
    return sa.create_engine(u.set(drivername="postgresql+psycopg2"), isolation_level="AUTOCOMMIT")


def new_database(backend: str, tmp: Path) -> str:
    from oprisk.store import migrate
    from oprisk.store.engine import make_engine

    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'{uuid.uuid4().hex[:8]}.db'}"
    else:
        admin = admin_engine()
        name = f"oprisk_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = sa.make_url(os.environ.get("OPRISK_BENCH_POSTGRES_URL", DEFAULT_PG)).set(
            database=name).render_as_string(hide_password=False)  # fmt: skip
    engine = make_engine(url)
    migrate.upgrade(engine)
    if backend == "postgresql":  # no statistics unless the loader gathers them
        with engine.begin() as c:
            for (t,) in c.execute(
                sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            ):
                c.execute(sa.text(f'ALTER TABLE "{t}" SET (autovacuum_enabled = false)'))
    engine.dispose()
    return url


def drop(url: str) -> None:
    u = sa.make_url(url)
    if u.get_backend_name() != "postgresql":
        return
    admin = admin_engine()
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    admin.dispose()


def bench(small: int, large: int, repeat: int, backends: list[str], parallel: bool = True) -> str:
    lines = [
        "# The log at scale: verify against rebuild, loads without autovacuum (issue 19)",
        "",
        f"`python benchmarks/scale_log.py --small {small} --large {large} --repeat {repeat}`; "
        f"{os.cpu_count()} cores shared with other work, so only ratios measured in the same "
        "run are compared. Each step in a fresh process; RSS = its peak (`ru_maxrss`).",
        "",
        "| backend | register rows | facts | first load s | second load s | rebuild s | verify s "
        "| verify / rebuild (median) | rebuild peak RSS MB | verify peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    loads: dict[tuple[str, int], dict[str, Any]] = {}
    parallel_rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        for n in (small, large):
            r = register(n)
            v1 = write(tmp / f"register-{n}-v1.csv", r)
            v2 = write(tmp / f"register-{n}-v2.csv", month_later(r))
            for backend in backends:
                url = new_database(backend, tmp)
                try:
                    load = loads[(backend, n)] = run("load", url, str(v1), str(v2))
                    ratios, rb, vf, jobs2 = [], [], [], []
                    for _ in range(repeat):
                        b, v = run("rebuild", url), run("verify", url)
                        rb.append(b)
                        vf.append(v)
                        ratios.append(v["seconds"] / b["seconds"])
                        if backend == "postgresql" and parallel:
                            jobs2.append(run("verify:2", url)["seconds"] / b["seconds"])
                    med = statistics.median
                    if jobs2:
                        parallel_rows.append(
                            f"| {n:,} | {load['facts']:,} | {med(jobs2):.2f} | {med(ratios):.2f} |"
                        )
                    lines.append(
                        f"| {backend} | {n:,} | {load['facts']:,} | {load['seconds'][0]:.1f} | "
                        f"{load['seconds'][1]:.1f} | {med(x['seconds'] for x in rb):.1f} | "
                        f"{med(x['seconds'] for x in vf):.1f} | {med(ratios):.2f} | "
                        f"{max(x['rss_mb'] for x in rb):.0f} | {max(x['rss_mb'] for x in vf):.0f} |"
                    )
                    print(lines[-1], flush=True)
                finally:
                    drop(url)
    lines += ["", "Loads, large / small (the data grows "
              f"{large / small:.1f}× in rows):", "",
              "| backend | facts ratio | first load ratio | second load ratio |",
              "|---|---:|---:|---:|"]  # fmt: skip
    for backend in backends:
        a, b = loads[(backend, small)], loads[(backend, large)]
        lines.append(
            f"| {backend}{' (autovacuum off)' if backend == 'postgresql' else ''} | "
            f"{b['facts'] / a['facts']:.2f} | {b['seconds'][0] / a['seconds'][0]:.2f} | "
            f"{b['seconds'][1] / a['seconds'][1]:.2f} |"
        )
    if parallel_rows:
        lines += ["", "PostgreSQL, `verify --jobs 2` (the read models compared by two processes in "
                  "the walk's snapshot while it walks the chains):", "",
                  "| register rows | facts | verify --jobs 2 / rebuild | verify / rebuild |",
                  "|---:|---:|---:|---:|", *parallel_rows]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(worker(*sys.argv[2:])))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", type=int, default=40_000, help="register rows, small database")
    ap.add_argument("--large", type=int, default=400_000, help="register rows, large database")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    ap.add_argument("--out", type=Path, default=None, help="also write the Markdown here")
    args = ap.parse_args()
    text = bench(args.small, args.large, args.repeat, args.backend or ["sqlite", "postgresql"])
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
