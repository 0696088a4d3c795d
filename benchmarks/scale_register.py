"""The generated loss register of ``benchmarks/scale.py``, at any size, from a seeded generator.

Two incident files of the same register, as a bank's incident system would export it a month
apart: every Basel level-2 event type, every business line (BL1–BL9), two legal entities, three
currencies (EUR, USD, GBP; FX rates month by month, so a rate changes within the ten years),
insurance and other recoveries, grouped losses (a member names its root), a few near misses,
gains and credit-boundary losses. The second file changes 27 % of the rows (a higher gross loss
accounted a month later, a new recovery, a reclassified business line, or a withdrawal); the
rest are unchanged. Plus the financials (the demo bank's: BI items, gross income, loans and
advances) of the legal entity whose capital is computed.

``facts`` is the size asked for: the number of rows is chosen from the facts one row makes on
average (measured: :data:`FACTS_PER_ROW`), so the loaded log holds about that many facts.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from oprisk.domain.taxonomy import EVENT_TYPES

#: facts per row over both loads (reported, impact, recoveries, link; the second load's changes)
FACTS_PER_ROW = 2.6
ENTITY = "Demo Bank AG"
OTHER_ENTITY = "Demo Bank Asia Ltd"
CURRENCIES = ("EUR", "USD", "GBP")
CHANGED_SHARE = 0.27
FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2025, 12, 31)
COLUMNS = [
    "external_id", "title", "description", "event_type", "event_type_l2", "cause",
    "business_line", "legal_entity", "org_unit", "occurred_on", "discovered_on", "accounted_on",
    "currency", "gross_loss", "recovery_insurance", "recovery_other", "near_miss", "gain",
    "credit_boundary", "root_external_id", "deleted",
]  # fmt: skip
WHAT = ["Wire transfer sent to the wrong beneficiary", "Card skimming at ATM",
        "Unauthorised trade booked", "Mis-keyed FX settlement amount", "Data-centre power outage",
        "Phishing attack on corporate client", "Mis-selling complaint upheld"]  # fmt: skip
CAUSES = ("people", "process", "systems", "external")


@dataclass(frozen=True)
class Register:
    first: Path  # the first incident file
    second: Path  # the same register a month later
    financials: Path
    rows: int
    fx: tuple[tuple[str, date, str], ...]  # (currency, date, rate in EUR)


def rows_for(facts: int) -> int:
    return max(50, round(facts / FACTS_PER_ROW))


def fx_rates(rng: np.random.Generator) -> tuple[tuple[str, date, str], ...]:
    """Monthly USD/EUR and GBP/EUR rates from 2015 to 2026: a random walk around 0.9 and 1.15."""
    out = []
    for cur, start in (("USD", 0.9), ("GBP", 1.15)):
        steps = np.exp(np.cumsum(rng.normal(0.0, 0.02, 12 * 12)))
        for i, factor in enumerate(steps):
            on = date(2015 + i // 12, 1 + i % 12, 1)
            out.append((cur, on, f"{start * factor:.6f}"))
    return tuple(out)


def _days(rng: np.random.Generator, n: int) -> np.ndarray:
    span = (LAST_DAY - FIRST_DAY).days
    return rng.integers(0, span + 1, n)


def _iso(day: int) -> str:
    return (FIRST_DAY + timedelta(days=int(day))).isoformat()


def generate(folder: Path, facts: int, seed: int = 20261207) -> Register:
    """Write the register of about ``facts`` facts into ``folder``."""
    rng = np.random.default_rng(seed)
    n = rows_for(facts)
    et2 = [c for c in EVENT_TYPES.codes() if "." in c]
    et = rng.integers(0, len(et2), n)
    bl = rng.integers(1, 10, n)
    entity = np.where(rng.random(n) < 0.9, ENTITY, OTHER_ENTITY)
    currency = rng.choice(CURRENCIES, n, p=[0.7, 0.2, 0.1])
    occurred = _days(rng, n)
    discovered = np.minimum(occurred + rng.integers(0, 120, n), (LAST_DAY - FIRST_DAY).days)
    accounted = np.minimum(discovered + rng.integers(0, 60, n), (LAST_DAY - FIRST_DAY).days)
    gross = np.round(np.maximum(100.0, rng.lognormal(9.5, 2.0, n)), 2)
    insurance = np.where(rng.random(n) < 0.15, np.round(gross * rng.uniform(0.1, 0.6, n), 2), 0)
    other = np.where(rng.random(n) < 0.10, np.round(gross * rng.uniform(0.0, 0.3, n), 2), 0)
    flag = rng.random(n)
    near_miss, gain, credit = flag < 0.01, (flag >= 0.01) & (flag < 0.015), flag > 0.985
    # a member names an earlier row as its root; roots are never members (one level deep)
    member = (rng.random(n) < 0.06) & (np.arange(n) > 0)
    root = np.where(member, rng.integers(0, np.maximum(np.arange(n), 1)), -1)
    member &= ~member[np.maximum(root, 0)] | (root < 0)
    root = np.where(member, root, -1)
    ids = [f"INC-{i:08d}" for i in range(n)]

    def row(i: int, *, gross_i: float, ins: float, oth: float, bl_i: int, acc: int, deleted: bool) -> list[str]:  # fmt: skip
        code = et2[et[i]]
        return [
            ids[i], f"{WHAT[i % len(WHAT)]} #{i}", f"Reported by branch {i % 97}; ticket T{i * 3}.",
            code.split(".")[0], code, CAUSES[i % 4], f"BL{bl_i}", str(entity[i]), f"Unit {i % 40}",
            _iso(occurred[i]), _iso(discovered[i]), _iso(acc), str(currency[i]), f"{gross_i:.2f}",
            f"{ins:.2f}", f"{oth:.2f}", _yes(near_miss[i]), _yes(gain[i]), _yes(credit[i]),
            ids[root[i]] if root[i] >= 0 else "", _yes(deleted),
        ]  # fmt: skip

    folder.mkdir(parents=True, exist_ok=True)
    first, second = folder / "register-1.csv", folder / "register-2.csv"
    change = rng.random(n)
    kind = rng.integers(0, 10, n)  # 0-5 higher gross, 6-7 new recovery, 8 reclassified, 9 withdrawn
    later = np.minimum(accounted + 31, (LAST_DAY - FIRST_DAY).days)
    with open(first, "w", newline="", encoding="utf-8") as f1, open(second, "w", newline="", encoding="utf-8") as f2:  # fmt: skip
        w1, w2 = csv.writer(f1), csv.writer(f2)
        w1.writerow(COLUMNS)
        w2.writerow(COLUMNS)
        for i in range(n):
            base = dict(gross_i=gross[i], ins=insurance[i], oth=other[i], bl_i=int(bl[i]), acc=int(accounted[i]), deleted=False)  # fmt: skip
            w1.writerow(row(i, **base))  # type: ignore[arg-type]
            if change[i] < CHANGED_SHARE:
                k = kind[i]
                if k <= 5:
                    base.update(gross_i=round(gross[i] * 1.25, 2), acc=int(later[i]))
                elif k <= 7:
                    base.update(oth=round(other[i] + gross[i] * 0.1, 2), acc=int(later[i]))
                elif k == 8:
                    base.update(bl_i=1 + int(bl[i]) % 9)
                else:
                    base.update(deleted=True)
            w2.writerow(row(i, **base))  # type: ignore[arg-type]
    financials = folder / "financials.csv"
    from oprisk.demo.bank import financials as demo_financials

    demo_financials().to_csv(financials, index=False, lineterminator="\n")
    return Register(first, second, financials, n, fx_rates(rng))


def _yes(flag: object) -> str:
    return "yes" if flag else "no"
