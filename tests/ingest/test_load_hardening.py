"""Issue #14 on a real database: columns accounted for, numbers never guessed, rows isolated,
state bounded, dry runs that touch nothing."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from ingest_support import TODAY
from sqlalchemy import create_engine, text

from oprisk.api import Database
from oprisk.errors import IngestionError, MappingError
from oprisk.ingest import spill

HEADER = "external_id;title;event_type;business_line;legal_entity;discovered_on;currency;gross_loss"


def test_the_demo_chinese_fraud_case_loads_grouped_and_legal(db: Database, tmp_path: Path) -> None:
    from oprisk.demo.bank import generate
    from oprisk.demo.run import write_files

    paths = write_files(generate(2026), tmp_path)
    report = db.load(paths["cn"], kind="incidents", mapping="zh-CN", source="CN", progress=False)
    assert report.rejected == 0 and report.columns[0].unmapped == ()
    assert report.columns[0].mapped["法律事件"] == "legal"
    assert report.columns[0].mapped["关联主事件编号"] == "root_external_id"
    root, child = db.state("CN:CN-2024-001"), db.state("CN:CN-2024-002")
    assert root.legal and child.legal
    assert child.root_event_id == "CN:CN-2024-001" and root.root_event_id is None
    assert child.gross_loss == Decimal("8600000")  # 860 万元


def _semicolon_file(path: Path) -> Path:
    rows = [
        "D-1;Kursdifferenz;ET7;BL2;Beispielbank AG;2024-01-15;JPY;72.039",
        "D-2;Betrug;ET2;BL3;Beispielbank AG;2024-01-16;EUR;1.234,56",
        "D-3;Fehlbuchung;ET7;BL5;Beispielbank AG;2024-01-17;EUR;12.000",
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_decimal_comma_file_appends_nothing_when_reloaded_without_its_mapping(
    db: Database, tmp_path: Path
) -> None:
    data = _semicolon_file(tmp_path / "kommas.csv")
    declared = tmp_path / "de.toml"
    declared.write_text('extends = "canonical"\n[read]\ndecimal = ","\nthousands = "."\n')
    first = db.load(data, mapping=declared, source="DE", progress=False, today=TODAY)
    assert (first.loaded, first.rejected) == (3, 0)
    # the amounts as a person reads them: ¥72,039, €1,234.56, €12,000
    assert db.state("DE:D-1").gross_loss == Decimal(72039)
    assert db.state("DE:D-2").gross_loss == Decimal("1234.56")
    assert db.state("DE:D-3").gross_loss == Decimal(12000)
    again = db.load(data, source="DE", progress=False, today=TODAY)  # no mapping: detected
    assert (again.unchanged, again.facts_appended, again.rejected) == (3, 0, 0)
    assert "'1.234,56'" in again.columns[0].numbers  # the cell that settled it


def test_amounts_that_read_two_ways_refuse_the_file(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "zweideutig.csv"
    path.write_text(HEADER + "\nD-1;x;ET7;BL2;Beispielbank AG;2024-01-15;JPY;72.039\n")
    with pytest.raises(
        MappingError, match=r"72\.039 with a decimal point or 72039 with a decimal comma"
    ):
        db.load(path, source="DE", progress=False, today=TODAY)
    assert db.position() == 0


def _refuse_amount(url: str, amount: str) -> None:
    """A rule of the database itself (a trigger) that refuses one ledger amount."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://"))
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON ledger_lines "
                f"WHEN CAST(NEW.amount AS TEXT) = '{amount}' "
                "BEGIN SELECT RAISE(ABORT, 'amount refused by a rule'); END"
            ))  # fmt: skip
        else:
            conn.execute(text(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.amount = {amount} THEN RAISE EXCEPTION 'amount refused by a rule' "
                "USING ERRCODE = '22003'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ))  # fmt: skip
            conn.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON ledger_lines "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            ))  # fmt: skip
    engine.dispose()


def test_a_row_the_database_refuses_is_rejected_and_its_batch_loads(
    db_url: str, tmp_path: Path
) -> None:
    from oprisk.api import connect

    db = connect(db_url)  # migrated before the rule is added
    _refuse_amount(db_url, "666.00")
    path = tmp_path / "batch.csv"
    rows = [f"B-{i};t;ET7;BL2;Bank AG;2024-01-15;EUR;{'666.00' if i == 7 else f'{i}00.00'}"
            for i in range(1, 13)]  # fmt: skip
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    try:
        report = db.load(path, source="B", batch_size=5, progress=False, today=TODAY)
        assert (report.loaded, report.rejected) == (11, 1)
        (bad,) = report.rejects
        assert bad.line == 8 and bad.stage == "store"
        assert "the database refused the row" in bad.messages[0]
        assert "amount refused by a rule" in bad.messages[0]
        assert db.losses().event_id.str.startswith("B:").sum() == 11
        assert db.verify().ok
        with open(report.rejects_path or "", encoding="utf-8-sig", newline="") as fh:
            (_, line) = list(csv.reader(fh))
        assert line[0] == "B-7"
    finally:
        db.close()


def test_a_dry_run_appends_nothing_and_says_what_a_load_would(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "vorschau.csv"
    path.write_text(
        HEADER
        + "\nP-1;t;ET7;BL2;Bank AG;2024-01-15;EUR;10\nP-2;t;ET7;BL2;Bank AG;2024-01-15;EUR;-1\n"
    )
    preview = db.load(path, source="P", dry_run=True, progress=False, today=TODAY)
    assert db.position() == 0
    assert preview.dry_run and (preview.loaded, preview.rejected) == (1, 1)
    assert Path(preview.rejects_path or "").is_file()
    real = db.load(path, source="P", progress=False, today=TODAY)
    assert real.facts_appended == preview.facts_appended == db.position()
    assert "dry run: nothing written" in preview.text()


def test_a_withdrawal_is_counted(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text(HEADER + ";deleted\nW-1;t;ET7;BL2;Bank AG;2024-01-15;EUR;10;no\n")
    db.load(path, source="W", progress=False, today=TODAY)
    path.write_text(HEADER + ";deleted\nW-1;t;ET7;BL2;Bank AG;2024-01-15;EUR;10;yes\n")
    preview = db.load(path, source="W", dry_run=True, progress=False, today=TODAY)
    assert (preview.changed, preview.withdrawn) == (1, 1)


def test_a_rejects_file_that_cannot_be_written_stops_the_load_first(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "\nR-1;t;ET7;BL2;Bank AG;2024-01-15;EUR;-1\n")
    (tmp_path / "r.csv.rejects.csv").mkdir()  # a folder has the rejects file's name
    with pytest.raises(IngestionError, match="--rejects PATH"):
        db.load(path, source="R", progress=False, today=TODAY)
    elsewhere = db.load(path, source="R", progress=False, today=TODAY, rejects=tmp_path / "x.csv")
    assert elsewhere.rejects_path == str(tmp_path / "x.csv")
    with pytest.raises(MappingError, match="folder"):
        db.load([path, path], source="R", progress=False, rejects=tmp_path / "x.csv")


def test_state_beyond_memory_thresholds_gives_the_same_load(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Duplicate ids, rejected roots and children waiting for a later root, with the per-row
    state moved to temporary files after a few entries: the same report as in memory."""
    lines = [HEADER + ";root_external_id"]
    for i in range(40):
        lines.append(f"C-{i};child;ET7;BL2;Bank AG;2024-01-15;EUR;{i + 1};R-{i % 4}")
    lines.append("C-3;again;ET7;BL2;Bank AG;2024-01-15;EUR;1;")  # a duplicate
    lines += [
        f"R-{i};root;ET7;BL2;Bank AG;2024-01-15;EUR;{'-5' if i == 3 else 100};" for i in range(4)
    ]
    path = tmp_path / "groups.csv"
    path.write_text("\n".join(lines) + "\n")
    in_memory = db.load(path, source="G", dry_run=True, batch_size=7, progress=False, today=TODAY)
    monkeypatch.setattr(spill, "MEMORY_ENTRIES", 3)
    monkeypatch.setattr(spill, "MEMORY_ROWS", 2)
    spilled = db.load(path, source="G", batch_size=7, progress=False, today=TODAY)
    keys = ("rows_read", "loaded", "rejected", "facts_appended", "rejected_by_reason")
    assert {k: in_memory.to_dict()[k] for k in keys} == {k: spilled.to_dict()[k] for k in keys}
    assert (spilled.loaded, spilled.rejected) == (3 + 30, 1 + 1 + 10)
    assert db.state("G:C-1").root_event_id == "G:R-1"
    assert db.verify().ok


def test_the_report_keeps_the_first_thousand_rejects_and_counts_them_all(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "many.csv"
    path.write_text(
        HEADER + "\n" + "".join(f"M-{i};t;ET7;BL2;B;2024-01-15;EUR;-1\n" for i in range(1500))
    )
    report = db.load(path, source="M", progress=False, today=TODAY)
    assert report.rejected == 1500 and len(report.rejects) == 1000
    assert report.rejected_by_reason == {"gross_loss: must be ≥ 0": 1500}
    assert json.loads(json.dumps(report.to_dict()))["rejected"] == 1500
