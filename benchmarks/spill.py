"""The loader's per-row state past its memory limit (``oprisk.ingest.spill.SpillingDict``): the
cost of a ``setdefault`` per row (what the loader does for every id it reads) for a register
larger than the limit, against a plain ``dict`` (the baseline, measured in the same run).

Usage (repository root)::

    .venv/bin/python benchmarks/spill.py [--rows 384615] [--limit 250000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from oprisk.ingest.spill import SpillingDict


def fill(mapping: dict[str, int] | SpillingDict, rows: int) -> float:
    t0 = time.process_time()
    for i in range(rows):
        mapping.setdefault(f"GRC:INC-{i:08d}", i + 2)
    return time.process_time() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--rows", type=int, default=384_615, help="ids read (the 1M-fact register's rows)"
    )
    p.add_argument("--limit", type=int, default=250_000, help="entries kept in memory")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    plain, spilled = [], []
    for _ in range(args.repeats):
        plain.append(fill({}, args.rows))
        d = SpillingDict(limit=args.limit)
        spilled.append(fill(d, args.rows))
        d.close()
    a, b = statistics.median(plain), statistics.median(spilled)
    print(
        "| ids | in memory | dict CPU s | SpillingDict CPU s | ratio |\n|---:|---:|---:|---:|---:|"
    )
    print(f"| {args.rows:,} | {args.limit:,} | {a:.2f} | {b:.2f} | {b / a:.1f} |")


if __name__ == "__main__":
    main()
