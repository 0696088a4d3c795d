"""The hostile corpus end to end: each file gives the right rows and rejects (line, field, reason), no crash."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from ingest_support import TODAY

from oprisk.errors import IngestionError
from oprisk.ingest.rejects import rejects_path, write_rejects
from oprisk.ingest.rows import IncidentRow, read_rows


def load(path: Path, kind: str = "incidents", mapping: object = None, **kw: object):
    stream = read_rows(path, kind, mapping, today=TODAY, **kw)  # type: ignore[arg-type]
    results = list(stream)
    ok = {r.line: r.row for r in results if r.row is not None}
    bad = {r.line: [(x.field, x.reason) for x in r.rejects] for r in results if r.row is None}
    return ok, bad, stream


def has(rejects: list[tuple[str | None, str]], field: str | None, words: str) -> bool:
    return any(f == field and words in why for f, why in rejects)


def test_canonical_example_loads_completely(corpus: Path) -> None:
    ok, bad, _ = load(corpus / "incidents_example.csv")
    assert bad == {}
    assert sorted(ok) == [2, 3, 4, 5, 6, 7, 8]
    first = ok[2]
    assert isinstance(first, IncidentRow)
    assert (first.event_type, first.event_type_l2, first.business_line) == ("ET2", "ET2.1", "BL3")
    assert first.gross_loss == Decimal("48250.00") and first.recovery_other == Decimal("12000.00")
    assert first.lei == "5493001KJTIIGC8Y1R12"
    assert (
        ok[3].event_type == "ET7"
        and ok[3].event_type_l2 == "ET7.1"
        and ok[3].business_line == "BL5"
    )
    assert ok[5].root_external_id == "INC-0003" and ok[4].legal
    assert ok[7].near_miss and ok[7].market_boundary and ok[8].deleted


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        (3, "external_id", "required"),
        (4, "external_id", "duplicate external_id, first seen on line 2"),
        (5, "event_type", "must be one of ET1 Internal Fraud"),
        (5, "business_line", "must be one of BL1 Corporate Finance"),
        (6, "discovered_on", "not a real calendar date"),
        (7, "discovered_on", "discovery before occurrence"),
        (8, "gross_loss", "must be ≥ 0"),
        (9, "gross_loss", "not a number"),
        (10, "recovery_insurance", "recoveries above gross loss"),
        (12, "discovered_on", "in the future"),
        (13, "event_type", "must be one of"),
        (13, "discovered_on", "expected a date like"),
        (13, "currency", "ISO 4217"),
        (13, "gross_loss", "not a number"),
        (13, "recovery_insurance", "must be ≥ 0"),
        (13, "gain", "yes/no"),
        (14, "external_id", "required"),
    ],
)
def test_bad_rows(corpus: Path, line: int, field: str, reason: str) -> None:
    ok, bad, _ = load(corpus / "bad_rows.csv")
    assert sorted(ok) == [2, 11]  # line 11: the gain flag allows recoveries above gross
    assert has(bad[line], field, reason), bad[line]


def test_bad_rows_collects_every_problem_of_a_row(corpus: Path) -> None:
    _, bad, _ = load(corpus / "bad_rows.csv")
    assert {f for f, _ in bad[13]} == {
        "event_type",
        "discovered_on",
        "currency",
        "gross_loss",
        "recovery_insurance",
        "gain",
    }


def test_unknown_label_reason_lists_the_valid_codes_abbreviated(corpus: Path) -> None:
    _, bad, _ = load(corpus / "bad_rows.csv")
    reason = dict(bad[5])["event_type"]
    assert "ET7" in reason and "外部欺诈事件" in reason
    assert "ET7.6" not in reason  # level-1 list only


def test_gb18030_csv_with_chinese_headers_units_and_dates(corpus: Path) -> None:
    ok, bad, stream = load(corpus / "zh_CN_incidents_gb18030.csv", mapping="zh-CN")
    assert stream.reader.encoding == "gb18030"  # type: ignore[attr-defined]
    assert sorted(ok) == [2, 3, 4, 5]
    r = ok[2]
    assert (r.event_type, r.business_line, r.cause, r.currency) == ("ET2", "BL3", "external", "CNY")
    assert r.gross_loss == Decimal("125000.0") and r.recovery_other == Decimal("20000")  # 万元
    assert str(r.occurred_on) == "2024-03-01" and str(r.accounted_on) == "2024-03-31"
    assert (
        ok[3].gross_loss == Decimal("10302500.00")
        and ok[3].event_type == "ET6"
        and ok[3].business_line == "BL4"
    )
    assert (
        ok[4].event_type == "ET1" and ok[4].currency == "CNY"
    )  # traditional 內部欺詐, currency 元
    assert ok[5].deleted and ok[5].currency == "CNY"  # default currency
    assert has(bad[6], "event_type", "must be one of")
    assert has(bad[7], "discovered_on", "discovery before occurrence")


def test_european_semicolons_decimal_commas_and_euro_signs(corpus: Path) -> None:
    ok, bad, stream = load(corpus / "european_semicolon.csv", mapping=corpus / "european.toml")
    assert stream.reader.delimiter == ";"  # type: ignore[attr-defined]
    assert ok[2].gross_loss == Decimal("1234.56") and ok[2].currency == "EUR"
    assert str(ok[2].occurred_on) == "2024-03-05"
    assert ok[3].gross_loss == Decimal("12000") and ok[3].recovery_insurance == Decimal("2000.50")
    assert ok[5].gross_loss == Decimal("1000000")
    assert has(bad[4], "gross_loss", "not a number")  # 1,234.56 is not a European number


@pytest.mark.parametrize("name", ["utf16_tab.txt", "utf16be_bom.tsv"])
def test_utf16_tabs_and_multiline_fields(corpus: Path, name: str) -> None:
    ok, bad, stream = load(corpus / name)
    assert stream.reader.delimiter == "\t"  # type: ignore[attr-defined]
    assert ok[2].description == "first line\r\nsecond line" and ok[2].gross_loss == Decimal(
        "1500.00"
    )
    assert sorted(ok) == [2, 5]  # the multi-line record spans lines 2-3
    assert ok[5].currency == "USD"  # from "US$ 7"
    assert has(bad[4], "gross_loss", "is in GBP but the row's currency is USD")


def test_pipes_thousands_and_currency_symbols(corpus: Path) -> None:
    ok, bad, stream = load(corpus / "pipes_symbols.csv")
    assert stream.reader.delimiter == "|"  # type: ignore[attr-defined]
    assert (ok[2].gross_loss, ok[2].currency) == (Decimal("1000000"), "CNY")
    assert (ok[3].gross_loss, ok[3].currency) == (Decimal("2500.50"), "CNY")
    assert (ok[4].gross_loss, ok[4].currency) == (Decimal("3000"), "CNY")
    assert (ok[5].gross_loss, ok[5].currency) == (Decimal("1250"), "GBP")
    assert has(bad[6], "gross_loss", "is in EUR but the row's currency is USD")
    assert has(bad[7], "gross_loss", "must be ≥ 0")  # (1,000.00) is an accounting negative
    assert has(bad[8], "gross_loss", "not a number")  # 1,00,000: wrong grouping


def test_truncated_last_line_is_a_reject_not_a_crash(corpus: Path) -> None:
    ok, bad, _ = load(corpus / "truncated.csv")
    assert sorted(ok) == [2, 3]
    assert ok[3].title == "multi\nline title"
    assert bad == {
        5: [(None, "unterminated quoted field: the file ends inside quotes (truncated file?)")]
    }


def test_malformed_json_lines(corpus: Path) -> None:
    ok, bad, _ = load(corpus / "malformed.jsonl")
    assert sorted(ok) == [1, 6]
    assert ok[1].gross_loss == Decimal("10.50")  # exact text, not a float
    assert bad[2][0][0] is None and bad[2][0][1].startswith("malformed JSON")
    assert bad[3] == [(None, "the line is a JSON list, not an object")]
    assert has(bad[5], "gross_loss", "implausibly large")


def test_empty_file_is_fatal(corpus: Path) -> None:
    with pytest.raises(IngestionError, match="empty file"):
        read_rows(corpus / "empty.csv", "incidents")


def test_header_only_gives_no_rows(corpus: Path) -> None:
    ok, bad, stream = load(corpus / "header_only.csv")
    assert ok == {} and bad == {} and len(stream.columns) == 7


def test_undecodable_file_is_fatal_and_named(corpus: Path) -> None:
    with pytest.raises(IngestionError, match=r"undecodable\.csv.*neither UTF-8 nor GB18030"):
        read_rows(corpus / "undecodable.csv", "incidents")


def test_undecodable_file_reads_with_a_declared_encoding(corpus: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "latin.toml"
    mapping.write_text('[read]\nencoding = "latin-1"\n')
    from oprisk.ingest.mapping import load_mapping
    from oprisk.ingest.readers import open_records

    m = load_mapping(mapping)
    records = list(open_records(corpus / "undecodable.csv", encoding=m.encoding))
    assert records[0].values["title"] == "caf\xff\xfe\x80"


def test_movements(corpus: Path) -> None:
    ok, bad, _ = load(corpus / "movements.csv", "movements")
    assert sorted(ok) == [2, 3, 4, 5]
    assert ok[3].kind == "recovery_insurance" and ok[3].received is False
    assert ok[2].received is True and ok[5].kind == "provision_release"
    assert has(bad[6], "line_id", "duplicate line_id, first seen on line 4")
    assert has(bad[7], "kind", "must be one of loss, provision")
    assert has(bad[8], "amount", "must be > 0") and has(bad[9], "amount", "must be > 0")
    assert has(bad[10], "accounted_on", "required")
    assert has(bad[11], "received", "recoveries only")


def test_financials(corpus: Path) -> None:
    ok, bad, _ = load(corpus / "financials.csv", "financials")
    assert sorted(ok) == [2, 3, 4, 6, 9]
    assert ok[3].amount == Decimal("-5000000") and ok[3].business_line is None
    assert ok[4].business_line == "BL3" and ok[4].amount == Decimal("30000000000")
    assert has(bad[5], "business_line", "BL3 (retail) or BL4")
    assert has(
        bad[7], "item", "duplicate legal_entity, year, item and business_line, first seen on line 6"
    )
    assert has(bad[8], "amount", "must be ≥ 0 for fee_expense")
    assert has(bad[10], "business_line", "must be blank for the Basel III BI item")
    assert has(bad[11], "item", "must be one of gross_income")
    assert has(bad[12], "year", "in the future")


def test_rejects_file_for_the_corpus(corpus: Path) -> None:
    stream = read_rows(corpus / "bad_rows.csv", "incidents", today=TODAY)
    rejected = [(r.line, r.rejects, r.record) for r in stream if r.row is None]
    path = write_rejects(corpus / "bad_rows.csv", rejected, stream.columns)
    assert path == rejects_path(corpus / "bad_rows.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == len(rejected) == 11
    assert list(rows[0])[-4:] == ["line", "field", "value", "reason"]
    assert list(rows[0])[:-4] == stream.columns
    by_line = {int(r["line"]): r for r in rows}
    assert by_line[6]["discovered_on"] == "2025-02-30" and by_line[6]["field"] == "discovered_on"
    assert "not a real calendar date" in by_line[6]["reason"]
    assert by_line[13]["field"].count(";") == 5
