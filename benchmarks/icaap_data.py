"""ICAAP data benchmark: loading and reading external losses and scenarios, against the incident
loader and ``db.losses()`` measured in the same run on the same database.

Per backend (SQLite file; PostgreSQL throw-away database) and repeat (default 3), on a fresh
database:

* **baseline** — ``db.load`` of the demo bank's incident register (N rows, ~2 facts a row), then
  ``db.losses()`` (median of 5 reads);
* **external** — ``db.load(kind="external")`` of N consortium-like losses generated as the demo's
  (``oprisk.demo.icaap.external_losses``; one fact a row), then ``db.external_losses()`` (median
  of 5);
* **scenarios** — the demo's two workshop files (``--kind scenarios``), then
  ``db.scenario_severities()``.

Reported: medians, and ratios per run (external rows/s ÷ incident rows/s; external read ÷ losses
read), the median of those. Usage (repository root)::

    .venv/bin/python benchmarks/icaap_data.py                 # N = 5,000, 3 repeats, both databases
    .venv/bin/python benchmarks/icaap_data.py --rows 1000 --repeat 1 --no-postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import sqlalchemy as sa

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def median_of(fn: Any, n: int = 5) -> float:
    return statistics.median(timed(fn)[0] for _ in range(n))


def files(folder: Path, rows: int) -> dict[str, Path]:
    from oprisk.demo import icaap
    from oprisk.demo.bank import generate

    bank = generate(2026, events_per_year=max(rows // 10 + 50, 100))
    paths = {
        "incidents": folder / "incidents.csv",
        "external": folder / "external.csv",
        "scenarios": folder / "scenarios.csv",
        "scenarios_cn": folder / "scenarios-cn.csv",
    }
    bank.incidents.head(rows).to_csv(paths["incidents"], index=False)
    icaap.external_losses(2026, n=rows).to_csv(paths["external"], index=False)
    icaap.scenarios_en().to_csv(paths["scenarios"], index=False)
    icaap.scenarios_cn().to_csv(paths["scenarios_cn"], index=False)
    return paths


def one_run(url: str, paths: dict[str, Path]) -> dict[str, float]:
    from oprisk.api import connect

    db = connect(url)
    try:
        t_inc, inc = timed(lambda: db.load(paths["incidents"], kind="incidents", progress=False))
        t_ext, ext = timed(lambda: db.load(paths["external"], kind="external", progress=False))
        t_scn, _ = timed(
            lambda: (
                db.load(paths["scenarios"], kind="scenarios", progress=False),
                db.load(paths["scenarios_cn"], kind="scenarios", mapping="zh-CN", progress=False),
            )
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no CNY rate in this database: NaN is expected
            r_losses = median_of(db.losses)
            r_ext = median_of(db.external_losses)
            r_sev = median_of(db.scenario_severities)
        return {
            "incident rows/s": inc.rows_read / t_inc,
            "incident facts": inc.facts_appended,
            "external rows/s": ext.rows_read / t_ext,
            "external facts": ext.facts_appended,
            "scenario files s": t_scn,
            "losses() s": r_losses,
            "external_losses() s": r_ext,
            "scenario_severities() s": r_sev,
            "load ratio": (ext.rows_read / t_ext) / (inc.rows_read / t_inc),
            "read ratio": r_ext / r_losses,
        }
    finally:
        db.close()


def backend(name: str, make_url: Any, drop: Any, paths: dict[str, Path], repeat: int) -> str:
    runs = []
    for i in range(repeat):
        url = make_url(i)
        try:
            runs.append(one_run(url, paths))
        finally:
            drop(url)
        print(f"{name} run {i + 1}/{repeat} done", file=sys.stderr)
    keys = list(runs[0])
    med = {k: statistics.median(r[k] for r in runs) for k in keys}
    lines = [f"| {name} | " + " | ".join(_fmt(k, med[k]) for k in keys) + " |"]
    return "\n".join(lines)


def _fmt(key: str, v: float) -> str:
    if "ratio" in key:
        return f"{v:.2f}×"
    if key.endswith(" s"):
        return f"{v:.3f}"
    return f"{v:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = files(folder, args.rows)
        header = [
            "incident rows/s", "incident facts", "external rows/s", "external facts",
            "scenario files s", "losses() s", "external_losses() s", "scenario_severities() s",
            "load ratio", "read ratio",
        ]  # fmt: skip
        out = [
            f"{args.rows:,} incident rows vs {args.rows:,} external losses; medians of "
            f"{args.repeat} run(s); ratios are external ÷ internal.",
            "",
            "| database | " + " | ".join(header) + " |",
            "|---|" + "---:|" * len(header),
        ]

        def sqlite_url(i: int) -> str:
            return f"sqlite:///{folder / f'b{i}.db'}"

        out.append(backend("SQLite", sqlite_url, lambda url: None, paths, args.repeat))
        if not args.no_postgres:
            admin_url = sa.engine.make_url(
                os.environ.get("OPRISK_BENCH_POSTGRES_URL", DEFAULT_PG)
            ).set(drivername="postgresql+psycopg2")
            admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as c:
                    c.execute(sa.text("select 1"))
            except Exception as err:
                out.append(f"\n(PostgreSQL skipped: {type(err).__name__})")
            else:
                from oprisk.store import migrate
                from oprisk.store.engine import make_engine

                def pg_url(i: int) -> str:
                    name = f"oprisk_bench_{uuid.uuid4().hex[:10]}"
                    with admin.connect() as c:
                        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
                    text = admin_url.set(database=name).render_as_string(hide_password=False)
                    engine = make_engine(text)
                    migrate.upgrade(engine)
                    engine.dispose()
                    return text

                def pg_drop(url: str) -> None:
                    name = sa.engine.make_url(url).database
                    with admin.connect() as c:
                        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

                out.append(backend("PostgreSQL", pg_url, pg_drop, paths, args.repeat))
            admin.dispose()
    print("\n".join(out))


if __name__ == "__main__":
    main()
