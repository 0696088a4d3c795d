"""``db.load`` and ``oprisk load``: the hostile corpus end to end, round trips, strict, movements."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from ingest_support import TODAY, build_zh_xlsx

from oprisk.cli import main
from oprisk.errors import IngestionError, MappingError
from oprisk.ingest.load import LoadReport, default_source
from oprisk.ingest.rejects import rejects_path
from oprisk.ingest.rows import read_rows

HEADER = (
    "external_id,title,event_type,business_line,legal_entity,occurred_on,discovered_on,"
    "accounted_on,currency,gross_loss,recovery_insurance,recovery_other,root_external_id,deleted\n"
)


def write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def rejected_lines(path: Path) -> dict[int, str]:
    """line → reason column of a rejects file."""
    with open(rejects_path(path), encoding="utf-8-sig", newline="") as fh:
        return {int(r["line"]): r["reason"] for r in csv.DictReader(fh)}


# --- the hostile corpus ------------------------------------------------------------------------

CORPUS = [
    # file, mapping, kind
    ("incidents_example.csv", None, "incidents"),
    ("bad_rows.csv", None, "incidents"),
    ("zh_CN_incidents_gb18030.csv", "zh-CN", "incidents"),
    ("european_semicolon.csv", "european.toml", "incidents"),
    ("utf16_tab.txt", None, "incidents"),
    ("utf16be_bom.tsv", None, "incidents"),
    ("pipes_symbols.csv", None, "incidents"),
    ("truncated.csv", None, "incidents"),
    ("malformed.jsonl", None, "incidents"),
    ("header_only.csv", None, "incidents"),
    ("financials.csv", None, "financials"),
]


@pytest.mark.parametrize(("name", "mapping", "kind"), CORPUS)
def test_corpus_loads_end_to_end_with_the_validators_rejects(
    db, corpus: Path, name: str, mapping: str | None, kind: str
) -> None:
    path = corpus / name
    m = str(corpus / mapping) if mapping and mapping.endswith(".toml") else mapping
    expected = list(read_rows(path, kind, m, today=TODAY))
    good = {r.line for r in expected if r.row is not None}
    bad = {r.line for r in expected if r.row is None}

    report = db.load(path, kind=kind, mapping=m, today=TODAY)

    assert report.rows_read == len(expected)
    assert report.loaded == len(good) and report.rejected == len(bad)
    assert {r.line for r in report.rejects} == bad
    assert all(r.stage == "validation" for r in report.rejects)
    if bad:
        assert report.rejects_path == str(rejects_path(path))
        assert set(rejected_lines(path)) == bad
    else:
        assert report.rejects_path is None and not rejects_path(path).exists()
    if kind == "incidents":
        ids = set(db.losses(include_withdrawn=True).event_id)
        source = default_source(path)
        assert ids == {f"{source}:{r.row.external_id}" for r in expected if r.row is not None}
    again = db.load(path, kind=kind, mapping=m, today=TODAY)
    assert (again.loaded, again.changed, again.facts_appended) == (0, 0, 0)
    assert again.unchanged == len(good)
    assert db.verify().ok


def test_example_file_facts_carry_source_and_external_id(db, corpus: Path) -> None:
    report = db.load(corpus / "incidents_example.csv", today=TODAY)
    assert report.kind == "incidents"  # guessed from the columns: the canonical preset sets none
    losses = db.losses(include_withdrawn=True).set_index("event_id")
    one = losses.loc["incidents_example:INC-0001"]
    assert (one.source, one.external_id) == ("incidents_example", "INC-0001")
    assert one.gross_loss == 48250.0 and one.net_loss == 36250.0
    assert str(one.event_type) == "ET2.1" and str(one.business_line) == "BL3"
    assert losses.loc["incidents_example:INC-0004"].root_event_id == "incidents_example:INC-0003"
    assert losses.loc["incidents_example:INC-0007"].status == "withdrawn"
    assert "incidents_example:INC-0007" not in set(db.losses().event_id)
    facts = [f for f in db.events() if f.stream_id == "incidents_example:INC-0001"]
    assert facts[0].payload["source"] == "incidents_example"
    assert facts[0].payload["external_id"] == "INC-0001"
    assert {f.meta["actor"] for f in facts} == {"loader"}
    assert {f.meta["source"] for f in facts} == {"incidents_example"}
    lines = db.ledger()
    assert set(lines[lines.event_id == "incidents_example:INC-0001"].line_id) == {
        "incidents_example:gross:1",
        "incidents_example:other:1",
    }


def test_xlsx_register(db, tmp_path: Path) -> None:
    path = build_zh_xlsx(tmp_path / "register.xlsx")
    expected = list(read_rows(path, "incidents", "zh-CN", today=TODAY))
    good = {r.row.external_id for r in expected if r.row is not None}
    report = db.load(path, mapping="zh-CN", today=TODAY)
    assert report.loaded == len(good) >= 2 and report.rejected == len(expected) - len(good) >= 3
    assert {r.line for r in report.rejects} == {r.line for r in expected if r.row is None}
    assert set(db.losses().event_id) == {f"register:{x}" for x in good}


def test_fatal_files_raise(db, corpus: Path) -> None:
    with pytest.raises(IngestionError, match="empty file"):
        db.load(corpus / "empty.csv", kind="incidents")
    with pytest.raises(IngestionError, match="neither UTF-8 nor GB18030"):
        db.load(corpus / "undecodable.csv", kind="incidents")
    with pytest.raises(IngestionError, match="no such file"):
        db.load(corpus / "missing.csv", kind="incidents")
    with pytest.raises(MappingError):
        db.load(corpus / "incidents_example.csv", mapping=corpus / "nope.toml")
    with pytest.raises(MappingError, match="has no column for"):
        db.load(corpus / "movements.csv", kind="incidents")
    assert db.position() == 0


# --- the command line --------------------------------------------------------------------------


def run(*args: str, db_url: str):
    return CliRunner().invoke(main, ["--db", db_url, "load", *args], catch_exceptions=False)


def test_cli_exit_codes_and_json(db_url: str, db, corpus: Path) -> None:
    ok = run(str(corpus / "incidents_example.csv"), db_url=db_url)
    assert ok.exit_code == 0, ok.output
    assert "loaded (new)" in ok.output and "facts appended" in ok.output

    bad = run(str(corpus / "bad_rows.csv"), "--json", db_url=db_url)
    assert bad.exit_code == 1
    report = json.loads(bad.output)
    assert report["rows_read"] == 13 and report["rejected"] == 11 and report["loaded"] == 2
    assert report["rejects_paths"] == [str(rejects_path(corpus / "bad_rows.csv"))]
    assert {r["line"] for r in report["rejects"]} == set(range(3, 15)) - {11}
    assert report["rejected_by_reason"]["external_id: required"] == 2
    assert (
        report["rows_read"]
        == report["loaded"] + report["changed"] + report["unchanged"] + report["rejected"]
    )

    zh = run(str(corpus / "zh_CN_incidents_gb18030.csv"), "--mapping", "zh-CN", db_url=db_url)
    assert zh.exit_code == 1
    for fatal in (["empty.csv"], ["undecodable.csv"], ["missing.csv"]):
        r = run(*(str(corpus / f) for f in fatal), "--kind", "incidents", db_url=db_url)
        assert r.exit_code == 2 and "error:" in r.output
    r = run(str(corpus / "incidents_example.csv"), "--mapping", "no-such-preset", db_url=db_url)
    assert r.exit_code == 2
    again = run(str(corpus / "incidents_example.csv"), "--json", db_url=db_url)
    assert again.exit_code == 0 and json.loads(again.output)["facts_appended"] == 0


def test_cli_several_files_source_and_movements(db_url: str, db, corpus: Path) -> None:
    r = run(
        str(corpus / "incidents_example.csv"),
        str(corpus / "movements.csv"),
        "--source",
        "core",
        "--json",
        db_url=db_url,
    )
    report = json.loads(r.output)
    assert [f["kind"] for f in report["files"]] == ["incidents", "movements"]
    assert report["files"][1]["loaded"] == 4 and r.exit_code == 1  # movements.csv has bad rows
    assert "core:L-2" in set(db.ledger().line_id)


def test_cli_strict_loads_nothing_when_one_row_is_bad(db_url: str, db, tmp_path: Path) -> None:
    rows = [f"S-{i},t,ET2,BL3,Bank,2024-01-01,2024-01-02,,EUR,{i + 1},0,0,," for i in range(30)]
    rows[17] = "S-17,t,ET2,BL3,Bank,2024-01-01,2024-01-02,,EUR,-5,0,0,,"
    path = write(tmp_path / "strict.csv", rows)
    r = run(str(path), "--strict", "--batch-size", "5", "--json", db_url=db_url)
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert report["aborted"] and report["rejected"] == 1 and report["skipped"] == 29
    assert report["facts_appended"] == 0 and db.position() == 0
    assert set(rejected_lines(path)) == {19}
    # a domain refusal (accounted before it occurred) found by the strict pass also stops it
    rows[17] = "S-17,t,ET2,BL3,Bank,2024-01-01,2024-01-02,2023-12-31,EUR,5,0,0,,"
    write(path, rows)
    r = run(str(path), "--strict", "--batch-size", "5", db_url=db_url)
    assert r.exit_code == 1 and db.position() == 0 and "nothing loaded" in r.output
    rows[17] = "S-17,t,ET2,BL3,Bank,2024-01-01,2024-01-02,,EUR,5,0,0,,"
    write(path, rows)
    r = run(str(path), "--strict", "--batch-size", "5", db_url=db_url)
    assert r.exit_code == 0 and len(db.losses()) == 30
    assert not rejects_path(path).exists()


def test_strict_library_report(db, tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.csv",
        ["A,t,ET2,BL3,Bank,2024-01-01,2024-01-02,,EUR,1,0,0,,", "B,t,ET2,BL3,Bank,,,,EUR,1,0,0,,"],
    )
    report = db.load(path, strict=True, today=TODAY)
    assert report.aborted and report.exit_code == 1 and db.position() == 0
    assert report.rows_read == 2 and (report.rejected, report.skipped) == (1, 1)


# --- round trip: a changed file appends exactly its difference ---------------------------------

V1 = [
    "A,Alpha,ET2,BL3,Bank,2024-01-01,2024-01-02,2024-01-31,EUR,100,10,0,,no",
    "B,Beta,ET7,BL5,Bank,2024-01-01,2024-01-02,2024-01-31,EUR,200,0,0,,no",
    "C,Gamma,ET4,BL8,Bank,2024-01-01,2024-01-02,2024-01-31,EUR,300,0,50,A,no",
    "D,Delta,ET1,BL2,Bank,2024-01-01,2024-01-02,2024-01-31,EUR,400,0,0,,no",
    "E,Eps,ET1,BL2,Bank,2024-01-01,2024-01-02,2024-01-31,EUR,500,0,0,,no",
]
V2 = [
    "A,Alpha,ET2,BL3,Bank,2024-01-01,2024-01-02,2024-02-29,EUR,150,20,0,,no",  # gross and recovery up
    "B,Beta renamed,ET7,BL5,Bank,2024-01-01,2024-01-02,2024-02-29,EUR,120,0,0,,no",  # title; gross down
    "C,Gamma,ET4.1,BL4,Bank,2024-01-01,2024-01-02,2024-01-31,EUR,300,0,50,A,no",  # reclassified
    "D,Delta,ET1,BL2,Bank,2024-01-01,2024-01-02,2024-01-31,EUR,400,0,0,,yes",  # deleted
    "E,Eps,ET1,BL2,Bank,2024-01-01,2024-01-02,2024-01-31,EUR,500,0,0,,no",  # unchanged
    "F,Phi,ET3,BL1,Bank,2024-01-01,2024-01-02,,EUR,10,0,0,A,no",  # new, grouped under A
]


def test_round_trip_change_and_reload(db, tmp_path: Path) -> None:
    path = write(tmp_path / "register.csv", V1)
    first = db.load(path, source="core", today=TODAY)
    assert (first.loaded, first.rejected) == (5, 0)
    write(path, V2)
    second = db.load(path, source="core", today=TODAY)
    assert (second.loaded, second.changed, second.unchanged, second.rejected) == (1, 4, 1, 0)
    pos = db.position()
    third = db.load(path, source="core", today=TODAY)
    assert (third.unchanged, third.facts_appended) == (6, 0) and db.position() == pos

    losses = db.losses(exact=True).set_index("event_id")
    assert sorted(losses.index) == ["core:A", "core:B", "core:C", "core:E", "core:F"]
    view = {
        "core:A": ("ET2", "BL3", "150", "130"),
        "core:B": ("ET7", "BL5", "120", "120"),
        "core:C": ("ET4.1", "BL4", "300", "250"),
        "core:E": ("ET1", "BL2", "500", "500"),
        "core:F": ("ET3", "BL1", "10", "10"),
    }
    for eid, (et, bl, gross, net) in view.items():
        row = losses.loc[eid]
        assert (str(row.event_type), str(row.business_line)) == (et, bl), eid
        assert (row.gross_loss, row.net_loss) == (Decimal(gross), Decimal(net)), eid
    assert losses.loc["core:B"].title == "Beta renamed"
    assert losses.loc["core:F"].root_event_id == "core:A"

    def facts(eid: str) -> list[str]:
        h = db.history(eid)
        assert set(h.actor) == {"loader"}
        return [str(f).removeprefix("loss_event.") for f in h.fact]

    assert facts("core:A") == ["reported", "impact_recorded", "recovery_recorded",
                               "impact_recorded", "recovery_recorded"]  # fmt: skip
    assert facts("core:B") == ["reported", "impact_recorded", "amended", "impact_recorded"]
    assert facts("core:C") == ["reported", "linked", "impact_recorded", "recovery_recorded",
                               "reclassified"]  # fmt: skip
    assert facts("core:D")[-1] == "withdrawn" and len(facts("core:D")) == 3
    assert facts("core:E") == ["reported", "impact_recorded"]
    lines = db.ledger()
    a = lines[lines.event_id == "core:A"].set_index("line_id")
    assert a.loc["core:gross:2"].kind == "loss" and a.loc["core:gross:2"].amount == 50
    assert a.loc["core:gross:2"].accounted_on == pd.Timestamp("2024-02-29")
    assert a.loc["core:insurance:2"].amount == 10
    assert a.loc["core:insurance:2"].accounted_on == pd.Timestamp("2024-02-29")
    reversal = lines[(lines.event_id == "core:B") & (lines.kind == "reversal")]
    assert list(reversal.amount) == [80] and list(reversal.line_id) == ["core:gross:2"]
    assert lines[lines.event_id == "core:F"].accounted_on.iloc[0] == pd.Timestamp(TODAY)
    assert db.verify().ok


def test_changes_the_loader_refuses_are_rejects(db, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", V1)
    db.load(path, source="core", today=TODAY)
    db.load(write(path, V2), source="core", today=TODAY)
    rows = [
        "A,Alpha,ET2,BL3,Bank,2024-01-01,2024-01-02,2024-03-31,EUR,150,5,0,,no",  # recovery down
        "B,Beta renamed,ET7,BL5,Bank,2024-01-01,2024-01-02,2024-02-29,USD,120,0,0,,no",  # currency
        "D,Delta,ET2,BL2,Bank,2024-01-01,2024-01-02,2024-01-31,EUR,400,0,0,,no",  # withdrawn
        "E,Eps,ET1,BL2,Bank,2024-01-01,2024-01-02,2023-06-30,EUR,600,0,0,,no",  # accounted early
        "G,Child of nobody,ET1,BL2,Bank,2024-01-01,2024-01-02,,EUR,1,0,0,ZZZ,no",
        "H,Child of a child,ET1,BL2,Bank,2024-01-01,2024-01-02,,EUR,1,0,0,F,no",
        "F,Phi,ET3,BL1,Bank,2024-01-01,2024-01-02,,EUR,10,0,0,A,no",  # unchanged
        "C,Gamma,ET4.1,BL4,Bank,2024-01-01,2024-01-02,2024-01-31,EUR,300,0,50,A,no",
    ]
    pos = db.position()
    report = db.load(write(path, rows), source="core", today=TODAY)
    assert (report.rejected, report.unchanged, report.facts_appended) == (6, 2, 0)
    assert db.position() == pos
    why = {r.external_id: (r.fields, r.messages[0]) for r in report.rejects}
    assert why["A"][0] == ("recovery_insurance",) and "recovery decreased" in why["A"][1]
    assert why["B"][0] == ("currency",) and "cannot change" in why["B"][1]
    assert why["D"][0] == ("deleted",) and "was withdrawn" in why["D"][1]
    assert why["E"][0] == ("accounted_on",) and "occurred_on" in why["E"][1]
    assert "neither in the database nor loaded from this file" in why["G"][1]
    assert "is itself grouped under 'core:A'" in why["H"][1]
    assert {r.stage for r in report.rejects} == {"domain"}
    assert set(rejected_lines(path)) == {2, 3, 4, 5, 6, 7}


def test_children_before_their_root_in_the_file(db, tmp_path: Path) -> None:
    rows = [f"K-{i},child,ET1,BL2,Bank,2024-01-01,2024-01-02,,EUR,1,0,0,ROOT,no" for i in range(5)]
    rows.append("ROOT,root,ET1,BL2,Bank,2024-01-01,2024-01-02,,EUR,1,0,0,,no")
    report = db.load(write(tmp_path / "g.csv", rows), batch_size=2, today=TODAY)
    assert report.loaded == 6 and report.rejected == 0
    losses = db.losses().set_index("event_id")
    assert set(losses.root_event_id.dropna()) == {"g:ROOT"}


def test_a_rejected_root_rejects_its_children_clearly(db, tmp_path: Path) -> None:
    rows = [
        "ROOT,root,ET1,BL2,Bank,2024-01-01,2024-01-02,,EUR,-1,0,0,,no",
        "K,child,ET1,BL2,Bank,2024-01-01,2024-01-02,,EUR,1,0,0,ROOT,no",
    ]
    path = write(tmp_path / "g.csv", rows)
    report = db.load(path, today=TODAY)
    assert report.rejected == 2 and db.position() == 0
    assert "was rejected (line 2)" in report.rejects[1].messages[0]


def test_gain_allows_recoveries_above_gross(db, tmp_path: Path) -> None:
    header = HEADER.replace(",deleted\n", ",deleted,gain\n")
    path = write(tmp_path / "gain.csv",
                 ["A,t,ET2,BL3,Bank,2024-01-01,2024-01-02,,EUR,100,80,30,,no,yes"], header)  # fmt: skip
    report = db.load(path, today=TODAY)
    assert report.loaded == 1
    assert db.losses(exact=True).net_loss.iloc[0] == Decimal(-10)


# --- movements and financials ------------------------------------------------------------------


def test_movements_are_idempotent_by_line_id(db, corpus: Path, tmp_path: Path) -> None:
    db.load(corpus / "incidents_example.csv", source="core", today=TODAY)
    first = db.load(corpus / "movements.csv", source="core", today=TODAY)
    assert first.loaded == 4 and first.rejected == 6
    pos = db.position()
    again = db.load(corpus / "movements.csv", source="core", today=TODAY)
    assert again.unchanged == 4 and db.position() == pos
    lines = db.ledger().set_index("line_id")
    assert lines.loc["core:L-2"].kind == "insurance" and not lines.loc["core:L-2"].received
    assert lines.loc["core:L-4"].kind == "provision_release"
    header = "external_id,line_id,kind,amount,currency,accounted_on\n"
    rows = [
        "INC-0001,L-1,loss,99,EUR,2024-01-31",  # same id, other content
        "INC-0005,L-9,insurance recovery,1,EUR,2024-06-30",  # above the gross loss
        "NOPE,L-10,loss,1,EUR,2024-06-30",  # unknown event
        "INC-0005,gross:7,loss,1,EUR,2024-06-30",  # reserved id
        "INC-0003,L-11,cost,1000,EUR,2024-06-30",  # fine
    ]
    report = db.load(write(tmp_path / "m.csv", rows, header), source="core", today=TODAY)
    assert report.loaded == 1 and report.rejected == 4
    why = {r.line: r.messages[0] for r in report.rejects}
    assert "already recorded with different content" in why[2]
    assert "recoveries would reach" in why[3] and "gain flag" in why[3]
    assert "no loss event 'core:NOPE'" in why[4]
    assert "reserved" in why[5]


def test_movements_and_incidents_are_not_double_counted(db, tmp_path: Path) -> None:
    inc = write(tmp_path / "i.csv", ["A,t,ET2,BL3,Bank,2024-01-01,2024-01-02,,EUR,100,0,0,,no"])
    db.load(inc, source="core", today=TODAY)
    header = "external_id,line_id,kind,amount,currency,accounted_on\n"
    db.load(write(tmp_path / "m.csv", ["A,P1,provision,40,EUR,2024-03-31"], header),
            source="core", today=TODAY)  # fmt: skip
    again = db.load(inc, source="core", today=TODAY)
    assert again.unchanged == 1 and again.facts_appended == 0
    assert db.losses().gross_loss.iloc[0] == 140


def test_financials_append_only_what_changed(db, corpus: Path, tmp_path: Path) -> None:
    first = db.load(corpus / "financials.csv", kind="financials", today=TODAY)
    assert first.loaded == 5 and first.facts_appended == 5
    pos = db.position()
    assert db.load(corpus / "financials.csv", kind="financials", today=TODAY).unchanged == 5
    assert db.position() == pos
    header = "legal_entity,year,item,business_line,amount,currency\n"
    rows = ['Example Bank AG,2023,gross_income,BL3,"1,300,000,000",EUR',
            'Example Bank AG,2022,gross_income,BL3,"1,000",EUR']  # fmt: skip
    report = db.load(write(tmp_path / "f.csv", rows, header), kind="financials", today=TODAY)
    assert (report.changed, report.loaded, report.facts_appended) == (1, 1, 2)


# --- the report --------------------------------------------------------------------------------


def test_report_shapes(db, corpus: Path) -> None:
    report = db.load(corpus / "bad_rows.csv", today=TODAY, progress=False)
    assert isinstance(report, LoadReport)
    d = report.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert "rejected by reason" in report.text() and "<table>" in report._repr_html_()
    assert sum(report.rejected_by_reason.values()) >= report.rejected
    with pytest.raises(ValueError, match="does not add up"):
        LoadReport(paths=("x",), kind="incidents", source="x", actor="a", rows_read=1)


def test_default_source() -> None:
    assert default_source("data/losses.csv") == "losses"
    assert default_source("data/losses.csv.gz") == "losses"
    assert default_source("data/losses.csv.rejects.csv") == "losses"


def test_fixing_the_rejects_file_lands_on_the_same_events(db, tmp_path: Path) -> None:
    path = write(tmp_path / "fix.csv", ["A,t,ET2,BL3,Bank,2024-01-01,2024-01-02,,EUR,-1,0,0,,no"])
    assert db.load(path, today=TODAY).rejected == 1
    rejects = rejects_path(path)
    rejects.write_text(rejects.read_text(encoding="utf-8-sig").replace(",-1,", ",1,"), "utf-8")
    assert db.load(rejects, today=TODAY).loaded == 1
    assert list(db.losses().event_id) == ["fix:A"]


def test_progress_bar_writes_to_a_tty_like_stream(db, corpus: Path, monkeypatch) -> None:
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    monkeypatch.setattr(sys, "stderr", out)
    monkeypatch.delenv("OPRISK_PROGRESS", raising=False)
    db.load(corpus / "incidents_example.csv", today=TODAY)  # progress=None: tqdm on a terminal
    text = out.getvalue()
    size = (corpus / "incidents_example.csv").stat().st_size
    assert "load incidents_example.csv" in text and "100%" in text
    assert 1000 <= size < 10_000 and f"{size / 1000:.2f}k/{size / 1000:.2f}k" in text  # bytes
    assert "7 rows" in text and "rows/s" in text and "0 rejects" in text


def test_progress_off_a_terminal_is_a_status_line_and_quiet_is_silent(db, corpus, tmp_path):
    from oprisk.progress import progress

    out = io.StringIO()
    reporter = progress(True, stream=out, interval=0)
    db.load(corpus / "bad_rows.csv", today=TODAY, progress=reporter, rejects=tmp_path)
    lines = out.getvalue().splitlines()
    assert lines and lines[-1].startswith("load bad_rows.csv: ") and lines[-1].endswith(", done")
    assert "rejects" in lines[-1]
    quiet = io.StringIO()
    db.load(corpus / "incidents_example.csv", today=TODAY, progress=progress(False, stream=quiet))
    assert quiet.getvalue() == ""


def test_load_date_defaults_to_today(db, tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", ["A,t,ET2,BL3,Bank,2024-01-01,2024-01-02,,EUR,1,0,0,,no"])
    db.load(path)
    assert db.ledger().accounted_on.iloc[0] == pd.Timestamp(date.today())
