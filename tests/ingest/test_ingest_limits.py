"""Resource limits in the readers, the column accounting, per-row state that spills to disk."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oprisk.errors import IngestionError, MappingError
from oprisk.ingest.columns import suspicious_columns
from oprisk.ingest.limits import Limits
from oprisk.ingest.mapping import load_mapping
from oprisk.ingest.readers import open_records
from oprisk.ingest.rows import read_rows
from oprisk.ingest.spill import SpillingDict, SpillingList

SMALL = Limits(max_field_size=50, max_line_length=200, max_columns=5, max_nesting_depth=3)


def test_a_long_quoted_record_is_skipped_to_its_end_and_lines_stay_right(tmp_path: Path) -> None:
    body = "\n".join(f"line {i} of a long quoted field" for i in range(40))
    path = tmp_path / "q.csv"
    path.write_text(f'id,text\n1,short\n2,"{body}"\n3,after\n4,"a ""quoted"" one"\n')
    records = list(open_records(path, limits=SMALL))
    assert [r.line for r in records] == [2, 3, 43, 44]
    assert "max_line_length" in records[1].problems[0].reason
    assert records[2].values == {"id": "3", "text": "after"}
    assert records[3].values["text"] == 'a "quoted" one'


def test_one_huge_line_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    path = tmp_path / "big.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("id,text\n1,ok\n2," + "x" * 100_000 + "\n3,ok\n")
    records = list(open_records(path, limits=SMALL))
    assert [r.line for r in records] == [2, 3, 4]
    assert records[1].problems and len(records[1].values["_raw"] or "") <= 1000


def test_cells_over_the_field_limit_reject_the_row_only_if_used(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        "external_id,event_type,business_line,legal_entity,discovered_on,currency,gross_loss,title,ignored\n"
        f"A,ET7,BL2,X,2024-01-02,EUR,1,{'t' * 60},ok\n"
        f"B,ET7,BL2,X,2024-01-02,EUR,1,ok,{'i' * 60}\n"
    )
    m = load_mapping("canonical")
    (tmp_path / "m.toml").write_text(
        'extends = "canonical"\nignore = ["ignored"]\n[limits]\nmax_field_size = 50\n'
    )
    m = load_mapping(tmp_path / "m.toml")
    a, b = list(read_rows(path, "incidents", m))
    assert a.row is None and "max_field_size = 50" in a.rejects[0].reason
    assert b.row is not None


def test_header_and_json_limits(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(9)) + "\n" + ",".join("1" * 9) + "\n")
    with pytest.raises(IngestionError, match="max_columns"):
        open_records(wide, limits=SMALL)
    lines = tmp_path / "j.jsonl"
    lines.write_text(
        '{"a": 1}\n{"a": [[[[1]]]]}\n{"b": 1, "c": 2, "d": 3, "e": 4, "f": 5}\n{"a": "[[[[\\"]]]]"}\n'
    )
    records = list(open_records(lines, limits=SMALL))
    assert "nested 5 deep" in records[1].problems[0].reason
    assert "distinct keys above [limits] max_columns = 5" in records[2].problems[0].reason
    assert records[3].problems == () and records[3].values["a"] == '[[[["]]]]'


def test_mapping_limits_are_checked(tmp_path: Path) -> None:
    (tmp_path / "l.toml").write_text("[limits]\nmax_line_length = 99\n")
    assert load_mapping(tmp_path / "l.toml").limits.max_line_length == 99
    for bad in ("max_line_length = 0", "max_line_length = true", "max_lines = 5"):
        (tmp_path / "b.toml").write_text(f"[limits]\n{bad}\n")
        with pytest.raises(MappingError, match=r"limits\.max_line"):
            load_mapping(tmp_path / "b.toml")


@pytest.mark.parametrize(
    ("header", "known"),
    [
        ("法律事件", None),  # mapped by zh-CN now, so not suspicious
        ("关联主事件编码", ("关联主事件编号", "root_external_id")),
        ("预计损失金额", ("损失金额", "gross_loss")),
        ("Gross loss EUR", ("grossloss", "gross_loss")),
        ("Amount", ("lossamount", "gross_loss")),
        ("Comments", None),
        ("Event date", None),
        ("事件状态", None),
    ],
)
def test_unmapped_headers_close_to_a_known_one(header: str, known: tuple[str, str] | None) -> None:
    zh = load_mapping("zh-CN")
    unmapped = list(zh.plan([header], "incidents").unmapped)
    assert suspicious_columns(unmapped, "incidents", zh.columns).get(header) == known


def test_ignored_unmapped_and_the_rejects_file_columns(tmp_path: Path) -> None:
    path = tmp_path / "losses.csv.rejects.csv"
    path.write_text(
        "external_id,event_type,business_line,legal_entity,discovered_on,currency,gross_loss,"
        "net loss,Notes,line,field,value,reason\nA,ET7,BL2,X,2024-01-02,EUR,1,1,n,2,f,v,r\n"
    )
    stream = read_rows(path, "incidents")
    assert stream.plan.ignored == ("net loss", "line", "field", "value", "reason")
    assert stream.plan.unmapped == ("Notes",)
    stream.close()
    with pytest.raises(MappingError, match="'Notes' is not mapped \\(strict\\)"):
        read_rows(path, "incidents", strict_columns=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 9)), max_size=40))
def test_a_spilling_dict_behaves_as_a_dict(ops: list[tuple[str, int]]) -> None:
    mine, oracle = SpillingDict(limit=3), {}
    try:
        for i, (key, value) in enumerate(ops):
            if i % 3 == 0:
                mine[key] = value
                oracle[key] = value
            else:
                assert mine.setdefault(key, value) == oracle.setdefault(key, value)
            assert (key in mine) == (key in oracle) and mine.get("zz") is None
        assert len(mine) == len(oracle)
        assert all(mine[k] == v for k, v in oracle.items())
    finally:
        mine.close()


def test_a_spilling_dict_gives_back_each_kind_of_value_after_the_spill() -> None:
    # integers are spilled as SQLite integers, anything else as JSON text: neither may turn
    # into the other (True is not 1, "7" is not 7)
    values = {"a": 7, "b": "7", "c": None, "d": True, "e": ["x", 1], "f": 0, "g": "root"}
    mine = SpillingDict(limit=2)
    try:
        for k, v in values.items():
            mine[k] = v
        assert mine.setdefault("f", 5) == 0 and mine.setdefault("h", 12) == 12
        got = {k: mine[k] for k in values}
        assert got == values
        assert [type(got[k]) for k in values] == [type(v) for v in values.values()]
    finally:
        mine.close()


def test_a_spilling_list_keeps_order() -> None:
    items = SpillingList[int](limit=4)
    items.extend(list(range(11)))
    assert len(items) == 11 and [x for c in items.chunks(3) for x in c] == list(range(11))
    assert [len(c) for c in items.chunks(3)] == [3, 1, 3, 3, 1]
    items.close()


SST = (
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<si><t>plain</t></si>"
    '<si><r><t>rich </t></r><r><rPr><b/></rPr><t xml:space="preserve">text </t></r></si>'
    '<si><t>损失</t><rPh sb="0" eb="1"><t>そんしつ</t></rPh></si>'
    "<si><t>_x005F_x000D_ escaped</t></si>"
    "<si><t/></si><si/>"
    "</sst>"
)


def test_shared_strings_read_as_openpyxl_reads_them() -> None:
    import io

    from openpyxl.reader.strings import read_string_table

    from oprisk.ingest.xlsx_parts import read_shared_strings

    ours = read_shared_strings(io.BytesIO(SST.encode()))
    assert ours == read_string_table(io.BytesIO(SST.encode()))
    assert ours[:3] == ["plain", "rich text ", "损失"]


def test_a_workbook_with_shared_strings_loads(tmp_path: Path) -> None:
    """Excel writes text cells as shared strings (openpyxl writes inline ones): both read alike."""
    import zipfile

    from openpyxl import Workbook

    header = [
        "external_id",
        "event_type",
        "business_line",
        "legal_entity",
        "discovered_on",
        "currency",
        "gross_loss",
    ]
    wb = Workbook()
    wb.active.append(header)
    wb.active.append(["S-1", "ET7", "BL2", "Bank", "2024-01-02", "EUR", 5])
    path = tmp_path / "shared.xlsx"
    wb.save(path)
    inline = path.with_suffix(".tmp")
    path.rename(inline)
    strings = [*header, "S-1", "ET7", "BL2", "Bank", "2024-01-02", "EUR"]
    with zipfile.ZipFile(inline) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                for i, text in enumerate(strings):
                    data = data.replace(
                        f"<is><t>{text}</t></is>".encode(), f"<v>{i}</v>".encode(), 1
                    )
                data = data.replace(b't="inlineStr"', b't="s"')
                assert b"<is>" not in data
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            dst.writestr(info, data)
        sst = "".join(f"<si><t>{t}</t></si>" for t in strings)
        dst.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sst}</sst>',
        )
    (row,) = [r.row for r in read_rows(path, "incidents")]
    assert row is not None and (row.external_id, row.legal_entity, str(row.gross_loss)) == (
        "S-1",
        "Bank",
        "5",
    )
