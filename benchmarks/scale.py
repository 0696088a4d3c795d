"""Scale benchmark: the operations an analyst, a loader and a regulator run, on a generated
register of any size, on SQLite and PostgreSQL, against raw-read floors measured in the same run.

For each size (``--facts``, default 100,000) and database it builds the register of
``scale_register.py`` (seeded: every level-2 event type, every business line, two legal
entities, three currencies with monthly FX rates, recoveries, groups; a second load a month
later changing 27 % of the rows), loads it — the first and the second load are timed — and then
runs each operation of :data:`OPERATIONS` in a fresh child process: the median of ``--repeats``
runs when one run is cheap (under ``--cheap`` seconds), else one run, and the child's peak RSS
(``VmHWM``). The floors are a raw cursor read of the current read-model rows
(``loss_event_versions``; ``fetchall`` through the driver) and, on PostgreSQL, ``psql \\copy`` of
the same rows to ``/dev/null``.

The operations are pluggable: :data:`OPERATIONS` maps a name to a callable ``(db, ctx) → dict``
run in the child (``ctx`` has the database URL and a scratch folder); add or replace an entry
(verify, rebuild, LDA …) and it is timed and reported like the others. ``--ops`` picks some.

Results: Markdown on stdout (or ``--write FILE``) with a table per size and database, the
target ratios, and the growth factors between the smallest and the largest size measured;
``--json FILE`` keeps the raw figures, and ``--merge FILE`` adds the sizes of an earlier run
(e.g. 1M on SQLite alone) to the report.

Usage (repository root)::

    .venv/bin/python benchmarks/scale.py --facts 100000 --json /tmp/s100.json
    .venv/bin/python benchmarks/scale.py --facts 1000000 --no-postgres --merge /tmp/s100.json \\
        --write benchmarks/RESULTS-scale.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from scale_register import generate
from scale_report import report

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
CURRENT = "SELECT * FROM loss_event_versions WHERE valid_to_position IS NULL"


# --- the operations (run in a child process) ----------------------------------------------------


def _export(templates: str) -> Callable[[Any, dict[str, Any]], dict[str, Any]]:
    def run(db: Any, ctx: dict[str, Any]) -> dict[str, Any]:
        out = Path(ctx["scratch"]) / f"export-{uuid.uuid4().hex[:8]}"
        res = db.reports.export(templates, "2025", fmt="csv", out_dir=out)
        shutil.rmtree(out, ignore_errors=True)
        return {"files": len(res.files)}

    return run


def _losses(**filters: Any) -> Callable[[Any, dict[str, Any]], dict[str, Any]]:
    def run(db: Any, ctx: dict[str, Any]) -> dict[str, Any]:
        frame = db.losses(**filters)
        return {"rows": len(frame), "frame_mb": frame.memory_usage(deep=True).sum() / 2**20}

    return run


def _raw_read(db: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(CURRENT)
        rows = cur.fetchall()
        cur.close()
    finally:
        raw.close()
    return {"rows": len(rows)}


def _verify(db: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    report = db.verify()
    return {"ok": bool(getattr(report, "ok", True))}


def _rebuild(db: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"facts": db.rebuild()}


def _lda(db: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    db.capital.lda(2025)
    return {}


def _capital_sa(db: Any, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"orc": str(db.capital.sa(2025, profile="basel").orc)}


#: name → callable(db, ctx) run in a child process; replace or add entries to refine them
OPERATIONS: dict[str, Callable[[Any, dict[str, Any]], dict[str, Any]]] = {
    "raw read (cursor)": _raw_read,
    "losses() full": _losses(),
    "losses() BL3 in 2025": _losses(business_line="BL3", year=2025),
    "capital sa --year 2025": _capital_sa,
    "export c17.01": _export("c17.01"),
    "export all": _export("all"),
    "verify": _verify,
    "rebuild": _rebuild,
    "lda": _lda,
}
DEFAULT_OPS = [k for k in OPERATIONS if k != "lda"]  # the LDA is timed by benchmarks/lda.py


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    """This process's peak RSS: ``VmHWM`` of its own memory map (``ru_maxrss`` would carry the
    high-water mark of the parent it was forked from across the ``exec``)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(name: str, url: str, scratch: str, repeats: int, cheap: float) -> dict[str, Any]:
    from oprisk.api import connect

    db = connect(url)
    db.losses(year=1)  # imports and first queries done (an empty answer), so that the RSS
    before = _rss_mb()  # growth measured from here is the operation's own
    times: list[float] = []
    info: dict[str, Any] = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        info = OPERATIONS[name](db, {"url": url, "scratch": scratch})
        times.append(time.perf_counter() - t0)
        if times[0] > cheap:
            break
    db.close()
    peak = _peak_mb()
    return {"seconds": statistics.median(times), "runs": len(times), "peak_mb": peak,
            "before_mb": before, **info}  # fmt: skip


def load_worker(url: str, folder: str, which: str) -> dict[str, Any]:
    from oprisk.api import connect

    reg = json.loads((Path(folder) / "register.json").read_text())
    db = connect(url)
    t0 = time.perf_counter()
    if which == "first":
        db.load(
            reg["financials"], kind="financials", source="ledger", actor="bench", progress=False
        )
        for cur, on, rate in reg["fx"]:
            db.record_fx_rate(cur, on, rate, actor="treasury", quote="EUR")
        report = db.load(
            reg["first"], kind="incidents", source="GRC", actor="bench", progress=False
        )
    else:
        report = db.load(
            reg["second"], kind="incidents", source="GRC", actor="bench", progress=False
        )
    seconds = time.perf_counter() - t0
    facts = db.position()
    db.close()
    return {"seconds": seconds, "runs": 1, "facts": facts, "rejected": report.rejected,
            "peak_mb": _peak_mb()}  # fmt: skip


def child(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--worker", *args], capture_output=True,
                         text=True, check=False)  # fmt: skip
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1][:200] if out.stderr else "failed"}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def psql_copy(url: str) -> dict[str, Any]:
    if shutil.which("psql") is None:
        return {"error": "psql not installed"}
    t0 = time.perf_counter()
    subprocess.run(["psql", url, "-q", "-c", f"\\copy ({CURRENT}) TO '/dev/null'"], check=True,
                   capture_output=True)  # fmt: skip
    return {"seconds": time.perf_counter() - t0, "runs": 1}


def psql_copies(url: str, repeats: int) -> dict[str, Any]:
    runs = [psql_copy(url) for _ in range(repeats)]
    if any("error" in r for r in runs):
        return runs[0]
    return {"seconds": statistics.median(r["seconds"] for r in runs), "runs": len(runs)}


# --- databases ----------------------------------------------------------------------------------


def new_database(kind: str, tmp: Path, admin: sa.Engine | None, admin_url: str) -> str:
    from oprisk.store import migrate
    from oprisk.store.engine import make_engine

    if kind == "sqlite":
        url = f"sqlite:///{tmp / f'scale-{uuid.uuid4().hex[:8]}.db'}"
    else:
        assert admin is not None
        name = f"oprisk_scale_{uuid.uuid4().hex[:10]}"
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(admin_url).set(database=name).render_as_string(False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def drop_database(url: str, admin: sa.Engine | None) -> None:
    if url.startswith("sqlite") or admin is None:
        return
    name = sa.engine.make_url(url).database
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def pg_admin(url: str) -> sa.Engine | None:
    try:
        engine = sa.create_engine(
            sa.engine.make_url(url).set(drivername="postgresql+psycopg2"),
            isolation_level="AUTOCOMMIT",
        )
        with engine.connect() as c:
            c.execute(sa.text("select 1"))
        return engine
    except Exception as err:
        print(f"PostgreSQL unavailable ({type(err).__name__}); skipping it", file=sys.stderr)
        return None


# --- one size on one database -------------------------------------------------------------------


def reuse(
    url: str, args: argparse.Namespace, save: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """The operations on an existing database (built by an earlier run or by hand from the same
    register): the loads are not timed."""
    from oprisk.api import connect

    db = connect(url)
    facts = db.position()
    rows = len(db.losses(include_withdrawn=True))
    db.close()
    kind = sa.engine.make_url(url).get_backend_name()
    out: dict[str, Any] = {"database": kind, "facts_asked": args.facts[0], "facts": facts,
                           "rows": rows, "ops": {}, "reused": True, "commit": args.commit}  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="oprisk-scale-", dir=args.tmp))
    try:
        if kind == "postgresql":
            out["ops"]["raw read (psql \\copy)"] = psql_copies(url, args.repeats)
        for name in args.ops:
            say(f"{kind} {facts:,} (reused): {name}")
            out["ops"][name] = child("op", name, url, str(tmp), str(args.repeats), str(args.cheap))
            save(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def bench(
    kind: str, facts: int, args: argparse.Namespace, admin: sa.Engine | None
) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="oprisk-scale-", dir=args.tmp))
    url = ""
    try:
        reg = generate(tmp / "register", facts)
        (tmp / "register" / "register.json").write_text(json.dumps({
            "first": str(reg.first), "second": str(reg.second), "financials": str(reg.financials),
            "fx": [(c, d.isoformat(), r) for c, d, r in reg.fx]}))  # fmt: skip
        url = new_database(kind, tmp, admin, args.pg)
        out: dict[str, Any] = {"database": kind, "facts_asked": facts, "rows": reg.rows, "ops": {},
                               "commit": args.commit}  # fmt: skip
        for which in ("first", "second"):
            say(f"{kind} {facts:,}: load ({which})")
            res = child("load", url, str(tmp / "register"), which)
            out["ops"][f"load ({which})"] = res
        out["facts"] = out["ops"]["load (second)"].get("facts")
        if kind == "postgresql":
            say(f"{kind} {facts:,}: psql \\copy")
            out["ops"]["raw read (psql \\copy)"] = psql_copies(url, args.repeats)
        for name in args.ops:
            say(f"{kind} {facts:,}: {name}")
            out["ops"][name] = child("op", name, url, str(tmp), str(args.repeats), str(args.cheap))
        return out
    finally:
        drop_database(url, admin) if url else None
        shutil.rmtree(tmp, ignore_errors=True)


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        what, *rest = sys.argv[2:]
        if what == "load":
            res = load_worker(*rest)
        else:
            name, url, scratch, repeats, cheap = rest
            res = worker(name, url, scratch, int(repeats), float(cheap))
        print(json.dumps(res))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--facts", type=int, nargs="+", default=[100_000])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--cheap", type=float, default=20.0, help="repeat an operation only if one run takes less"
    )
    p.add_argument("--ops", nargs="+", default=DEFAULT_OPS, choices=list(OPERATIONS))
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--no-sqlite", action="store_true")
    p.add_argument("--pg", default=os.environ.get("OPRISK_BENCH_POSTGRES_URL", DEFAULT_PG))
    p.add_argument("--tmp", default=None, help="folder for the registers and SQLite files")
    p.add_argument("--json", type=Path, default=None, help="write the raw figures here")
    p.add_argument("--merge", type=Path, nargs="*", default=[], help="raw figures of earlier runs")
    p.add_argument("--write", type=Path, default=None, help="write the Markdown report here")
    p.add_argument("--reuse", default=None, help="time the operations on this existing database")
    args = p.parse_args()
    admin = None if args.no_postgres else pg_admin(args.pg)
    kinds = [k for k, off in (("sqlite", args.no_sqlite), ("postgresql", admin is None)) if not off]
    commit = (
        os.environ.get("OPRISK_BENCH_COMMIT")
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    )
    meta = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg()), "commit": commit,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cheap": args.cheap}  # fmt: skip
    args.commit = commit
    runs: list[dict[str, Any]] = []
    for f in args.merge:
        runs += json.loads(f.read_text())["runs"]

    def save(run: dict[str, Any]) -> None:  # after every operation: a stopped run keeps its figures
        if args.json:
            args.json.write_text(json.dumps({"meta": meta, "runs": [*runs, run]}, indent=1))

    if args.reuse:
        runs.append(reuse(args.reuse, args, save))
        kinds = []
    for facts in args.facts:
        for kind in kinds:
            runs = [r for r in runs if (r["database"], r["facts_asked"]) != (kind, facts)]
            runs.append(bench(kind, facts, args, admin))
            if args.json:
                args.json.write_text(json.dumps({"meta": meta, "runs": runs}, indent=1))
    if admin is not None:
        admin.dispose()
    text = report(runs, meta)
    if args.write:
        args.write.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
