"""The demo bank under EBA 4.2: ``oprisk export --framework 4.2 --format xbrl-csv`` gives a
package that validates, whose C 17.01.a facts equal a computation written here from the loss
frames (``db.losses`` / ``db.ledger``, not the report code), and whose C 16.01 / C 16.02 equal
``oprisk capital sa --profile eu-crr3``.

The demo's losses end in 2025, so the period is 2025 (framework 4.2 asked for explicitly: a
parallel run, which the manifest and the validation say is not for submission)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_eba42 import extract_cells

from oprisk.api import connect
from oprisk.cli import main
from oprisk.demo.run import run_demo

LEI = "529900DEMOBANK000012"
START, END = pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 12, 31)  # ledger dates are datetime64
THRESHOLD = 20_000
BANDS = ((1, 10_000, 20_000), (2, 20_000, 100_000), (3, 100_000, 1_000_000), (4, 1_000_000, None))
BLOCK = {"BL1": 0, "BL2": 100, "BL8": 200, "BL4": 300, "BL3": 400, "BL5": 500, "BL6": 600,
         "BL7": 700, "BL9": 800}  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    run_demo(None, out, 2026, echo=lambda *_: None)
    return out


def expected_c17_01_a(db) -> dict[tuple[str, str], float]:
    """C 17.01.a for 2025 from the frames: each group (root event) once, under the root's event
    type; its members' amounts in their business lines; threshold 20,000 on the group's gross
    loss (an adjusted group: before or after the period's lines); received recoveries only."""
    ev = db.losses(include_withdrawn=True).set_index("event_id")
    out_of_scope = ev.status.eq("withdrawn") | ev.gain | ev.near_miss | ev.credit_boundary

    def root(e):
        while isinstance(ev.at[e, "root_event_id"], str) and ev.at[e, "root_event_id"] in ev.index:
            parent = ev.at[e, "root_event_id"]
            if ev.at[parent, "status"] == "withdrawn":
                break
            e = parent
        return e

    lines = db.ledger()
    lines = lines[lines.accounted_on <= END]
    groups = defaultdict(list)
    for ln in lines.itertuples():
        g = root(ln.event_id)
        if not (out_of_scope[ln.event_id] or ev.at[g, "gain"] or ev.at[g, "credit_boundary"]):
            groups[g].append(ln)
    cells: dict[tuple[str, str], float] = defaultdict(float)
    cands: dict[tuple[str, str], list[float]] = defaultdict(list)
    col = {f"ET{i}": f"{10 * i:04d}" for i in range(1, 8)}

    def add(row, et, value):
        for c in (col[et], "0080"):
            cells[(row, c)] += value

    for g, lns in groups.items():
        impacts = [x for x in lns if x.line_type == "impact"]
        if not impacts:
            continue
        et = ev.at[g, "event_type_l1"]
        first = min(x.accounted_on for x in impacts)
        gross = sum(x.gross_effect_reporting for x in lns)
        before = sum(x.gross_effect_reporting for x in lns if x.accounted_on < START)
        in_period = [x for x in impacts if x.accounted_on >= START]
        new = first >= START
        if max(gross, before if not new else gross) < THRESHOLD:
            continue
        for x in lns:  # recoveries of every group in scope, new, adjusted or neither
            if x.line_type == "recovery" and x.received and x.accounted_on >= START:
                b = BLOCK[ev.at[x.event_id, "business_line_l1"]]
                row = 80 if x.kind == "insurance" else 70
                add(f"{b + row:04d}", et, x.amount_reporting)
                add(f"{900 + row:04d}", et, x.amount_reporting)
        if not (new or in_period):
            continue
        by_bl = defaultdict(float)
        for x in impacts if new else in_period:
            by_bl[ev.at[x.event_id, "business_line_l1"]] += x.gross_effect_reporting
        for bl, amount in by_bl.items():
            b = BLOCK[bl]
            add(f"{b + 10:04d}" if new else f"{b + 30:04d}", et, 1)
            add(f"{b + 20:04d}" if new else f"{b + 40:04d}", et, amount)
            if new or amount > 0:
                for c in (col[et], "0080"):
                    cands[(f"{b:04d}", c)].append(amount)
        if new:
            band = next(n for n, lo, hi in BANDS if gross >= lo and (hi is None or gross < hi))
            add("0910", et, 1), add(f"{910 + band:04d}", et, 1)
            add("0920", et, gross), add(f"{920 + band:04d}", et, gross)
            total = gross
        else:
            total = gross - before
            add("0930", et, 1), add("0940", et, total)
            if total > 0:
                add("0935", et, 1), add("0945", et, total)
            elif total < 0:
                add("0936", et, 1), add("0946", et, total)
        if new or total > 0:
            for c in (col[et], "0080"):
                cands[("0900", c)].append(total)
    for (block, c), values in cands.items():
        base = int(block)
        top = sorted(values, reverse=True)
        cells[(f"{base + 50:04d}", c)] = top[0]
        cells[(f"{base + 60:04d}", c)] = sum(top[:5])
    return {k: v for k, v in cells.items() if round(v, 2) != 0}


def test_demo_package_validates_and_its_c17_01_a_is_the_frames(demo, tmp_path):
    url = f"sqlite:///{demo / 'demo.db'}"
    res = CliRunner().invoke(
        main,
        ["--db", url, "export", "--framework", "4.2", "--format", "xbrl-csv", "--period", "2025",
         "--entity", LEI, "--out", str(tmp_path)],
        catch_exceptions=False,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    [pkg] = list(tmp_path.glob("*.zip"))
    check = CliRunner().invoke(main, ["export", "--validate", str(pkg)])
    assert check.exit_code == 0 and "not one to submit" in check.output, check.output
    with zipfile.ZipFile(pkg) as z:
        text = z.read(f"{pkg.stem}/reports/c_17.01.a.csv").decode("utf-8")
    where = extract_cells("c_17.01.a")
    got = {where[r["datapoint"]]: float(r["factValue"]) for r in csv.DictReader(io.StringIO(text))}
    db = connect(url)
    try:
        want = expected_c17_01_a(db)
        cut = json.loads((tmp_path / "manifest.json").read_text())["knowledge_cutoff"]
        assert cut["position"] == db.position()
    finally:
        db.close()
    assert len(want) > 100  # a real year of losses: most cells are filled
    nonzero = {k: v for k, v in got.items() if v}
    assert nonzero.keys() == want.keys()
    # the facts are rounded to cents; the frames' float sums differ from exact ones by far less
    assert all(abs(nonzero[k] - want[k]) <= 0.011 for k in want), {
        k: (nonzero[k], want[k]) for k in want if abs(nonzero[k] - want[k]) > 0.011
    }


def test_demo_c16_equals_capital_sa(demo):
    url = f"sqlite:///{demo / 'demo.db'}"
    res = CliRunner().invoke(main, ["--db", url, "capital", "sa", "--year", "2025", "--profile",
                                    "eu-crr3", "--json"])  # fmt: skip
    sa = json.loads(res.stdout)["result"]
    db = connect(url)
    try:
        prm = db.reports._params(framework="4.2")
        tables = {
            t.code: t for t in db.reports.build(["c16.01", "c16.02"], "2025", None, prm).tables
        }
    finally:
        db.close()
    cents = Decimal("0.01")
    a = tables["c_16.01.a"]
    assert a.value("0010", "0040") == Decimal(sa["orc"]).quantize(cents)  # BIC = 291.75m
    assert a.value("0020", "0010") == Decimal(sa["bi"]).quantize(cents) == Decimal("2145000000.00")
    avg = tables["c_16.02"].value("0010", "0070")  # (1,100 + 1,100 + 1,150) / 3, reference §4.7
    assert avg == Decimal(sa["business_indicator"]["avg_abs_net_interest"]).quantize(cents)
    assert Path(url.removeprefix("sqlite:///")).exists()
