"""``db.verify()`` on a database of N facts: peak Python memory and time.

Builds an embedded SQLite database of ``--events`` loss events × 4 facts (report, impact,
reclassification, recovery) — or uses ``--db URL`` — then runs ``db.verify()`` once under
``tracemalloc`` (peak memory of Python allocations) and ``--repeat`` times untraced (median wall
and CPU time). Run it with another checkout of oprisk on ``PYTHONPATH`` to compare versions on the
same machine (the database must then be built by that version too).

Usage (from the repository root)::

    .venv/bin/python benchmarks/verify.py                  # 10,000 events = 40,000 facts
    .venv/bin/python benchmarks/verify.py --db sqlite:///demo-out/demo.db
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

from oprisk.api import Database, connect
from oprisk.domain import commands as c


def build(db: Database, events: int) -> None:
    for start in range(0, events, 250):
        cmds: list[c.Command] = []
        for i in range(start, min(events, start + 250)):
            eid = f"E{i:06d}"
            cmds += [
                c.ReportLossEvent(
                    event_id=eid, actor="analyst", title=f"loss {i} " + "x" * 60,
                    description="d" * 120, event_type="ET7", business_line="BL3",
                    discovered_on=date(2024, 1, 1 + i % 28), currency="EUR",
                ),
                c.RecordImpact(event_id=eid, actor="analyst", amount=str(1000 + i),
                               currency="EUR", accounted_on=date(2024, 2, 1)),
                c.ReclassifyLossEvent(event_id=eid, actor="reviewer", business_line="BL2",
                                      reason="moved"),
                c.RecordRecovery(event_id=eid, actor="analyst", amount="10", currency="EUR",
                                 accounted_on=date(2024, 3, 1)),
            ]  # fmt: skip
        db.execute(cmds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--db", default=None, help="an existing database instead of a new one")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(args.db or f"sqlite:///{Path(tmp) / 'verify.db'}")
        if args.db is None:
            build(db, args.events)
        db.losses()  # imports and first queries outside the measurement
        tracemalloc.start()
        report = db.verify()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        walls, cpus = [], []
        for _ in range(args.repeat):
            w, cpu = time.perf_counter(), time.process_time()
            db.verify()
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - cpu)
        db.close()
    print(
        f"{report.events:,} facts, ok={report.ok}: peak Python memory {peak / 1e6:.1f} MB "
        f"({peak / max(report.events, 1) / 1e3:.2f} KB per fact); median of {args.repeat}: "
        f"{statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU"
    )


if __name__ == "__main__":
    main()
