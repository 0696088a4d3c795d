"""``oprisk load --kind scenarios|external`` on both databases: English and Chinese headers, bad rows
rejected with the rule named (a scenario loads whole), re-runs unchanged, and the CLI's
``oprisk scenario list|show|history|approve|withdraw``."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from oprisk.cli import main

EN_HEADER = ["scenario id", "event type", "business line", "scenario name", "workshop date",
             "scenario owner", "workshop participants", "frequency (events a year)",
             "frequency low", "frequency high", "currency", "severity point",
             "return period (years)", "severity quantile", "severity amount"]  # fmt: skip
EN_ROWS = [
    ["SC-PAY", "ET7", "Retail Banking", "Payment batch sent twice", "2026-02-10", "ops",
     "ops; payments", "4", "2", "8", "EUR", "typical", "", "0.5", "50000"],
    ["SC-PAY", "", "", "", "", "", "", "", "", "", "EUR", "1-in-10", "10", "", "400000"],
    ["SC-CLOUD", "ET6", "", "Cloud outage", "2026-02-11", "it", "", "0.5", "0.2", "1", "EUR",
     "1-in-10", "10", "", "900000"],
    ["SC-PAY", "", "", "", "", "", "", "", "", "", "EUR", "1-in-100", "100", "", "2000000"],
    ["SC-CLOUD", "", "", "", "", "", "", "", "", "", "EUR", "1-in-100", "100", "", "500000"],
    ["SC-NEG", "ET5", "", "Flood", "2026-02-11", "fm", "", "-1", "", "", "EUR", "1-in-100",
     "100", "", "500000"],
    ["SC-INV", "ET3", "", "Strike", "2026-02-11", "hr", "", "1", "2", "0.5", "EUR", "1-in-100",
     "100", "", "500000"],
    ["SC-MONO", "ET1", "", "Insider", "2026-02-11", "au", "", "1", "", "", "EUR", "a", "",
     "0.9", "800000"],
    ["SC-MONO", "", "", "", "", "", "", "", "", "", "EUR", "b", "", "0.99", "700000"],
    ["SC-AGREE", "ET1", "", "Insider 2", "2026-02-11", "au", "", "1", "", "", "EUR", "", "50",
     "", "800000"],
    ["SC-AGREE", "", "", "", "", "", "", "2", "", "", "EUR", "", "100", "", "900000"],
]  # fmt: skip
ZH_HEADER = ["情景编号", "事件类型", "业务条线", "情景名称", "研讨会日期", "负责人", "参与人员",
             "年发生频率", "频率下限", "频率上限", "币种", "估计点", "重现期(年)", "分位数",
             "损失估计金额"]  # fmt: skip
ZH_ROWS = [
    ["SC-CN-1", "外部欺诈", "商业银行", "伪造存单质押贷款诈骗", "2026年3月9日", "王敏",
     "王敏；李伟", "0.8", "0.3", "2", "人民币", "一般情形", "", "0.5", "800000"],
    ["SC-CN-1", "外部欺诈", "商业银行", "伪造存单质押贷款诈骗", "2026年3月9日", "王敏",
     "王敏；李伟", "0.8", "0.3", "2", "人民币", "十年一遇", "10", "", "12000000"],
    ["SC-CN-1", "外部欺诈", "商业银行", "伪造存单质押贷款诈骗", "2026年3月9日", "王敏",
     "王敏；李伟", "0.8", "0.3", "2", "人民币", "百年一遇", "100", "", "80000000"],
]  # fmt: skip
EXT_HEADER = ["external_id", "data source", "occurred_on", "event type level 2",
              "business line", "loss amount", "currency", "size indicator",
              "collection threshold", "reporting institution"]  # fmt: skip
EXT_ROWS = [
    ["X1", "ORX", "2024-03-01", "ET2.1", "BL3", "120000", "EUR", "2500000000", "20000", "M-1"],
    ["X2", "ORX", "2024-05-11", "ET7.1", "Retail Banking", "45000", "EUR", "900000000",
     "20000", "M-2"],
    ["X3", "ORX", "2024-05-11", "ET9.1", "BL3", "45000", "EUR", "900000000", "20000", "M-2"],
    ["X4", "ORX", "2024-05-11", "ET7.1", "BL3", "5000", "EUR", "900000000", "20000", "M-2"],
    ["X5", "public", "2023-01-20", "ET4.1", "BL2", "3000000", "EUR", "40000000000", "",
     "Big Bank plc"],
]  # fmt: skip


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def rejects_of(path: Path) -> list[dict[str, str]]:
    with Path(f"{path}.rejects.csv").open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_english_scenarios_rejected_whole_with_the_rule_named(db, tmp_path):
    path = write(tmp_path / "workshops.csv", EN_HEADER, EN_ROWS)
    report = db.load(path, kind="scenarios", actor="loader", progress=False)
    assert (report.rows_read, report.loaded, report.rejected, report.facts_appended) == (
        11,
        3,
        8,
        1,
    )
    s = db.scenarios()
    assert list(s.scenario_id) == ["SC-PAY"]
    row = s.iloc[0]
    assert (row.event_type, row.business_line, row.frequency, row.participants) == (
        "ET7", "BL3", 4.0, "ops; payments",
    )  # fmt: skip
    assert (row.status, row.recorded_by, row.reason) == (
        "draft",
        "loader",
        "loaded from workshops.csv",
    )
    sev = db.scenario_severities()
    assert sev.amount.tolist() == [5e4, 4e5, 2e6]  # the rows of SC-PAY, gathered across the file
    assert sev["quantile"].tolist() == pytest.approx([0.5, 0.975, 0.9975], abs=1e-15)  # λ = 4
    rules = {}
    for r in rejects_of(path):
        rules.setdefault(r["scenario id"], set()).add(
            r["reason"].rsplit("[rule ", 1)[-1].rstrip("]")
        )
    assert rules == {
        "SC-CLOUD": {"return_period_order"},  # the 1-in-100 loss below the 1-in-10
        "SC-NEG": {"frequency_positive"},
        "SC-INV": {"frequency_range"},
        "SC-MONO": {"severity_monotone"},
        "SC-AGREE": {"scenario_rows_agree"},
    }
    by_line = {int(r["line"]): r for r in rejects_of(path)}
    assert by_line[7]["field"] == "frequency (events a year) → frequency"
    assert by_line[7]["value"] == "-1"


def test_a_scenario_with_a_row_rejected_by_validation_loads_nothing(db, tmp_path):
    rows = [EN_ROWS[0], [*EN_ROWS[1][:-1], "lots"], EN_ROWS[3]]
    path = write(tmp_path / "w.csv", EN_HEADER, rows)
    report = db.load(path, kind="scenarios", actor="loader", progress=False)
    assert report.rejected == 3 and db.scenarios().empty
    reasons = [r["reason"] for r in rejects_of(path)]
    assert sum("[rule scenario_whole]" in r for r in reasons) == 2


def test_chinese_headers_and_labels(db, tmp_path):
    path = write(tmp_path / "情景.csv", ZH_HEADER, ZH_ROWS)
    report = db.load(path, kind="scenarios", mapping="zh-CN", actor="loader", progress=False)
    assert (report.loaded, report.rejected, report.facts_appended) == (3, 0, 1)
    row = db.scenarios().iloc[0]
    assert (row.scenario_id, row.event_type, row.business_line, row.currency) == (
        "SC-CN-1", "ET2", "BL4", "CNY",
    )  # fmt: skip
    assert row.workshop_on.date() == date(2026, 3, 9) and row.participants == "王敏; 李伟"
    assert (row.frequency, row.frequency_low, row.frequency_high) == (0.8, 0.3, 2.0)
    db.record_fx_rate("CNY", date(2026, 1, 1), "0.125", actor="fx")
    sev = db.scenario_severities()
    assert list(sev.label) == ["一般情形", "十年一遇", "百年一遇"]
    assert sev.amount_reporting.tolist() == [1e5, 1.5e6, 1e7]  # × 0.125 by hand


def test_reloading_is_unchanged_and_a_changed_file_is_a_revision(db, tmp_path):
    path = write(tmp_path / "w.csv", EN_HEADER, EN_ROWS[:2] + EN_ROWS[3:4])
    first = db.load(path, kind="scenarios", actor="loader", progress=False)
    assert (first.loaded, first.facts_appended) == (3, 1)
    p1 = db.position()
    again = db.load(path, kind="scenarios", actor="loader", progress=False)
    assert (again.unchanged, again.facts_appended) == (3, 0) and db.position() == p1
    db.approve_scenario("SC-PAY", actor="reviewer")
    changed = [r[:] for r in EN_ROWS[:2] + EN_ROWS[3:4]]
    changed[1][-1] = "450000"  # the 1-in-10 loss revised in a later workshop
    write(path, EN_HEADER, changed)
    third = db.load(path, kind="scenarios", actor="loader", progress=False)
    assert (third.changed, third.facts_appended) == (3, 1)
    now = db.scenarios().iloc[0]
    assert (now.revision, now.status) == (2, "draft")
    then = db.scenarios(as_of=p1 + 1).iloc[0]
    assert (then.revision, then.status) == (1, "approved")
    dry = db.load(path, kind="scenarios", actor="loader", progress=False, dry_run=True)
    assert dry.unchanged == 3


def test_external_losses_load_idempotently_with_rules_named(db, tmp_path):
    path = write(tmp_path / "consortium.csv", EXT_HEADER, EXT_ROWS)
    report = db.load(path, actor="loader", progress=False)  # the kind found from the columns
    assert report.kind == "external"
    assert (report.loaded, report.rejected, report.facts_appended) == (3, 2, 3)
    x = db.external_losses().set_index("external_id")
    assert list(x.index) == ["X1", "X2", "X5"]
    assert (x.loc["X2", "event_type"], x.loc["X2", "event_type_l2"], x.loc["X2", "business_line"]) == (
        "ET7", "ET7.1", "BL3",
    )  # fmt: skip
    assert (x.loc["X1", "size_indicator"], x.loc["X1", "threshold"]) == (2.5e9, 2e4)
    assert x.loc["X5", "source"] == "public" and x.loc["X5", "institution"] == "Big Bank plc"
    reasons = {r["external_id"]: r["reason"] for r in rejects_of(path)}
    assert "[rule amount_above_threshold]" in reasons["X4"]
    assert "must be a level-2 code" in reasons["X3"]
    again = db.load(path, actor="loader", progress=False)
    assert (again.unchanged, again.facts_appended) == (3, 0)
    assert db.losses().empty  # nothing reached the internal losses


def test_cli_scenario_commands(db_url, tmp_path):
    run = CliRunner()
    path = write(tmp_path / "w.csv", EN_HEADER, EN_ROWS[:2] + EN_ROWS[3:4])
    out = run.invoke(main, ["--db", db_url, "load", str(path), "--kind", "scenarios",
                            "--actor", "anna"])  # fmt: skip
    assert out.exit_code == 0, out.output
    listed = run.invoke(main, ["--db", db_url, "scenario", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [r["scenario_id"] for r in json.loads(listed.output)] == ["SC-PAY"]
    refused = run.invoke(main, ["--db", db_url, "scenario", "approve", "SC-PAY", "--actor", "Anna"])
    assert refused.exit_code == 2 and "four eyes" in refused.output
    assert "Traceback" not in refused.output
    none = run.invoke(main, ["--db", db_url, "scenario", "list", "--approved-only", "--csv"])
    assert none.exit_code == 0 and none.output.count("\n") == 1  # the header: none approved yet
    ok = run.invoke(main, ["--db", db_url, "scenario", "approve", "SC-PAY", "--actor", "ben"])
    assert ok.exit_code == 0, ok.output
    shown = json.loads(
        run.invoke(main, ["--db", db_url, "--json", "scenario", "show", "SC-PAY"]).output
    )
    assert shown["scenario"]["status"] == "approved" and shown["scenario"]["approved_by"] == "ben"
    assert [p["amount"] for p in shown["severities"]] == [5e4, 4e5, 2e6]
    assert shown["scenario"]["workshop_on"] == "2026-02-10"
    early = run.invoke(
        main, ["--db", db_url, "scenario", "show", "SC-PAY", "--as-of", "1", "--csv"]
    )
    assert early.exit_code == 0 and early.output.splitlines()[0].startswith("scenario_id,revision")
    gone = run.invoke(main, ["--db", db_url, "scenario", "withdraw", "SC-PAY", "--reason", "dup",
                             "--actor", "ben"])  # fmt: skip
    assert gone.exit_code == 0, gone.output
    assert run.invoke(main, ["--db", db_url, "scenario", "list", "--csv"]).output.count("\n") == 1
    hist = run.invoke(main, ["--db", db_url, "scenario", "history", "SC-PAY", "--csv"])
    facts = [line.split(",")[4] for line in hist.output.splitlines()[1:]]
    assert facts == ["scenario.recorded", "scenario.approved", "scenario.withdrawn"]
    missing = run.invoke(main, ["--db", db_url, "scenario", "show", "NOPE"])
    assert missing.exit_code == 2 and "not known" in missing.output


def test_a_scenario_missing_its_fields_is_rejected_naming_them(db, tmp_path):
    rows = [["SC-X", "ET7", "", "", "2026-02-10", "ops", "", "", "", "", "EUR", "1-in-10", "10",
             "", "400000"]]  # fmt: skip
    path = write(tmp_path / "w.csv", EN_HEADER, rows)
    assert db.load(path, kind="scenarios", progress=False).rejected == 1
    (r,) = rejects_of(path)
    assert r["reason"].endswith("[rule fields_required]") and "'title'" in r["reason"]
    assert "'frequency'" in r["reason"]
