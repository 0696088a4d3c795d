"""Readers: encodings, delimiters, line numbers, truncation, huge fields, XLSX quirks, JSON Lines."""

from __future__ import annotations

import codecs
import gzip
from decimal import Decimal
from pathlib import Path

import pytest
from ingest_support import TODAY, build_zh_xlsx

from oprisk.errors import IngestionError
from oprisk.ingest.mapping import load_mapping
from oprisk.ingest.readers import open_records, sniff_encoding
from oprisk.ingest.rows import read_rows

TEXT = '事件编号,事件名称\nA-1,盗刷\nA-2,"多行\n描述"\n'


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("utf-16-le", b"", "utf-16-le"),
        ("gbk", b"", "gb18030"),
        ("gb18030", b"", "gb18030"),
    ],
)
def test_encodings_are_sniffed(tmp_path: Path, encoding: str, bom: bytes, expected: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(bom + TEXT.encode(encoding))
    assert sniff_encoding(path) == expected
    records = list(open_records(path))
    assert [r.line for r in records] == [2, 3]
    assert records[1].values == {"事件编号": "A-2", "事件名称": "多行\n描述"}


def test_a_late_bad_byte_is_found_before_any_row_is_read(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(b"a,b\n" + b"x,y\n" * 300_000 + "z,中文".encode("gbk") + b"\n")
    assert sniff_encoding(path) == "gb18030"  # UTF-8 fails only ~1.2 MB in


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        delimiter.join(["id", "amount", "note"])
        + "\n"
        + delimiter.join(["1", '"1,5"', '"a;b|c"'])
        + "\n"
    )
    reader = open_records(path)
    assert reader.delimiter == delimiter  # type: ignore[attr-defined]
    (record,) = list(reader)
    assert record.values["note"] == "a;b|c" and record.values["amount"] == "1,5"


def test_line_numbers_count_physical_lines_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('id,text\r\n1,"a\r\nb\r\nc"\r\n\r\n2,x\r\n3,"y"\r\n')
    assert [(r.line, r.values["id"]) for r in open_records(path)] == [(2, "1"), (6, "2"), (7, "3")]


def test_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a,b,c\n1,2\n1,2,3,,\n1,2,3,4\n")
    short, trailing, extra = open_records(path)
    assert short.values == {"a": "1", "b": "2", "c": None} and not short.problems
    assert trailing.values == {"a": "1", "b": "2", "c": "3"} and not trailing.problems
    assert extra.problems[0].reason.startswith("the record has 4 fields but the header has 3")


def test_malformed_quoting_mid_file_rejects_that_record_only(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('a,b\n1,"x"y\n2,5" screen\n3,ok\n')
    records = list(open_records(path))
    assert [r.line for r in records] == [2, 3, 4]
    assert records[0].problems[0].reason.startswith("malformed quoting")
    assert records[1].values["b"] == '5" screen' and not records[1].problems


def test_one_megabyte_field(tmp_path: Path) -> None:
    big = "长" * 400_000 + "x" * 100_000  # 1.3 MB of UTF-8 in one cell
    path = tmp_path / "big.csv"
    path.write_text(f'id,description\n1,"{big}"\n2,small\n', encoding="utf-8")
    records = list(open_records(path))
    assert records[0].values["description"] == big and records[1].line == 3


def test_header_row_option_skips_title_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("Loss register 2024\n\nid,amount\n1,2\n")
    (record,) = list(open_records(path, header_row=3))
    assert (record.line, record.values) == (4, {"id": "1", "amount": "2"})


def test_duplicate_and_blank_headers_are_kept_apart(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("id,amount,,amount\n1,2,3,4\n")
    assert open_records(path).columns == ["id", "amount", "column_3", "amount (2)"]


def test_gzip_csv_and_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "f.csv.gz"
    with gzip.open(path, "wt", encoding="gbk") as f:
        f.write(TEXT)
    assert [r.line for r in open_records(path)] == [2, 3]
    other = tmp_path / "f.xls"
    other.write_bytes(b"\xd0\xcf")
    with pytest.raises(IngestionError, match=r"unsupported file type '\.xls'"):
        open_records(other)
    with pytest.raises(IngestionError, match="no such file"):
        open_records(tmp_path / "missing.csv")


def test_jsonl_values_are_text(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text(
        '\ufeff{"id": 1, "x": 0.1, "ok": true, "none": null, "nested": {"a": [1]}}\n',
        encoding="utf-8",
    )
    (record,) = list(open_records(path))
    assert record.values == {
        "id": "1",
        "x": "0.1",
        "ok": "true",
        "none": None,
        "nested": '{"a":[1]}',
    }


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_header_detection_dates_formulas_errors_merges(zh_xlsx: Path) -> None:
    m = load_mapping("zh-CN")
    reader = open_records(zh_xlsx, is_header=m.is_known_header)
    assert reader.header_line == 3 and reader.columns[0] == "事件编号"
    records = {r.line: r for r in reader}
    assert records[4].values["发生日期"] == "2024-03-01"  # a datetime cell
    assert records[4].values["损失金额(万元)"] == "12.5"  # a formula's cached value
    assert (
        records[5].values["发生日期"] == "45383"
    )  # a serial in a General cell: the mapping decides
    (p6,) = records[6].problems
    assert (p6.field, p6.reason) == (
        "保险赔付(万元)",
        "formula without a cached value (open and save the file in Excel)",
    )
    (p7,) = records[7].problems
    assert (p7.field, p7.value, p7.reason) == ("损失金额(万元)", "#N/A", "Excel error value #N/A")
    assert records[8].values["法人机构"] == "示例银行" and not records[8].problems
    (p9,) = records[9].problems
    assert p9.field == "法人机构" and p9.reason.startswith(
        "merged cell: covered by the merged range E8:E9"
    )
    assert records[9].values["法人机构"] is None  # never invented


def test_xlsx_merged_cells_fill_on_request(zh_xlsx: Path) -> None:
    records = {r.line: r for r in open_records(zh_xlsx, header_row=3, merged_cells="fill")}
    assert records[9].values["法人机构"] == "示例银行" and not records[9].problems


def test_xlsx_end_to_end_rejects(zh_xlsx: Path) -> None:
    results = {r.line: r for r in read_rows(zh_xlsx, "incidents", "zh-CN", today=TODAY)}
    assert results[4].row is not None and results[4].row.gross_loss == Decimal("125000.0")
    assert results[5].row is not None and str(results[5].row.occurred_on) == "2024-04-01"
    assert results[5].row.event_type == "ET6" and results[5].row.business_line == "BL4"
    assert [(x.field, x.reason) for x in results[6].rejects] == [
        ("recovery_insurance", "formula without a cached value (open and save the file in Excel)")
    ]
    assert [(x.field, x.reason) for x in results[7].rejects] == [
        ("gross_loss", "Excel error value #N/A")
    ]
    assert results[8].row is not None
    assert [x.field for x in results[9].rejects] == ["legal_entity"]


def test_xlsx_sheet_by_name_and_index(tmp_path: Path) -> None:
    path = build_zh_xlsx(tmp_path / "w.xlsx", merged_cells=False)
    assert open_records(path, sheet="损失事件", header_row=3).columns[0] == "事件编号"
    assert open_records(path, sheet=1).columns == ["本表由业务部门填写"]
    with pytest.raises(IngestionError, match="no sheet 'nope'; sheets: 损失事件, 说明"):
        open_records(path, sheet="nope")
    with pytest.raises(IngestionError, match="no row with at least two known column names"):
        open_records(path, sheet=1, is_header=load_mapping("zh-CN").is_known_header)


def test_xlsx_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("not a zip")
    with pytest.raises(IngestionError, match="not a readable XLSX workbook"):
        open_records(path)


def test_jsonl_keys_that_appear_later_are_mapped(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    base = '"event_type": "ET2", "business_line": "BL3", "legal_entity": "B", "discovered_on": "2024-01-02", "currency": "EUR", "gross_loss": 1'
    path.write_text(
        f'{{"external_id": "1", {base}}}\n{{"external_id": "2", {base}, "near_miss": true, "title": "late"}}\n'
    )
    rows = [r.row for r in read_rows(path, "incidents", today=TODAY)]
    assert rows[1] is not None and rows[1].near_miss and rows[1].title == "late"


def test_western_text_that_happens_to_decode_as_gb18030_is_refused(tmp_path: Path) -> None:
    """cp1252 bytes such as "ü" + "b" form GBK extension characters: the file decodes as
    GB18030 without an error, into nonsense. The sniffer refuses it and names the fix."""
    text = "id;Beschreibung\n1;Zürich über Gebühren\n2;Überweisung für Müller, Größe\n"
    path = tmp_path / "de.csv"
    path.write_bytes(text.encode("cp1252"))
    text.encode("cp1252").decode("gb18030")  # the trap: no decoding error
    with pytest.raises(IngestionError, match=r'decodes as GB18030.*"cp1252"'):
        sniff_encoding(path)
    records = list(open_records(path, encoding="cp1252"))
    assert records[1].values["Beschreibung"] == "Überweisung für Müller, Größe"


def test_chinese_text_with_some_traditional_characters_is_still_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "zh.csv"
    path.write_bytes((TEXT + "A-3,內部欺詐 損失\n").encode("gb18030"))
    assert sniff_encoding(path) == "gb18030"
