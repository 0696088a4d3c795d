"""A corpus of hostile and broken input files for ``oprisk load``, written at small scale.

Each case writes one input (and, where it needs one, a mapping) into a folder and states what a
load must do with it: refuse it with a one-line error containing ``fatal``, or read it with
``rejected`` rows (a reason containing ``reason``), the rest loaded. Resource limits are lowered in
the mappings (``LIMITS``) so that the same code paths the full-size inputs of
``benchmarks/hostile_inputs.py`` take run here in milliseconds.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: small limits for the cases that exercise them (the defaults are in ``oprisk.ingest.limits``)
LIMITS = """
[limits]
max_field_size = 500
max_line_length = 2000
max_columns = 40
max_nesting_depth = 8
max_xlsx_part_size = 200000
"""
HEADER = ["external_id", "title", "event_type", "business_line", "legal_entity", "occurred_on",
          "discovered_on", "accounted_on", "currency", "gross_loss"]  # fmt: skip


@dataclass
class Case:
    """One input file and what loading it must give."""

    name: str
    args: list[str] = field(default_factory=list)  # extra CLI options (--mapping, --kind …)
    fatal: str | None = None  # exit 2, one line on stderr containing this
    rejected: int | None = None  # exit 1 (or 0 when 0), this many rows rejected
    loaded: int | None = None  # rows loaded as new
    reason: str | None = None  # a reject message contains this
    warning: str | None = None  # stderr contains this warning
    dry_run: bool = False
    before: list[list[str]] = field(default_factory=list)  # loads to run first (``load`` args)
    usage: bool = False  # a command-line usage error (click's own format) rather than ours


CASES: dict[str, Callable[[Path], Case]] = {}


def case(fn: Callable[[Path], Case]) -> Callable[[Path], Case]:
    CASES[fn.__name__] = fn
    return fn


def row(i: int, **over: str) -> list[str]:
    base = {"external_id": f"H-{i}", "title": f"Case {i}", "event_type": "ET2",
            "business_line": "BL3", "legal_entity": "Hostile Bank AG", "occurred_on": "2024-01-10",
            "discovered_on": "2024-01-15", "accounted_on": "2024-01-31", "currency": "EUR",
            "gross_loss": f"{1000 + i}.50"}  # fmt: skip
    base.update(over)
    return [base[h] for h in HEADER]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, *,
              encoding: str = "utf-8", delimiter: str = ",", newline: str = "\n") -> Path:  # fmt: skip
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def mapping(folder: Path, name: str, text: str) -> list[str]:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return ["--mapping", str(path)]


def limited(folder: Path, extra: str = "") -> list[str]:
    return mapping(folder, "limits.toml", 'extends = "canonical"\n' + extra + LIMITS)


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def obj(i: int, **over: object) -> str:
    d: dict[str, object] = dict(zip(HEADER, row(i), strict=True))
    d.update(over)
    return json.dumps(d, ensure_ascii=False)


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def patch_part(path: Path, part: str, edit: Callable[[bytes], bytes]) -> None:
    """Rewrite one part of a zip (XLSX) file."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, edit(data) if info.filename == part else data)
    tmp.replace(path)


SHEET = "xl/worksheets/sheet1.xml"

# --- the cases -----------------------------------------------------------------------


@case
def zh_register_headers(d: Path) -> Case:
    """The demo's Chinese headers: 法律事件, 关联主事件编号, 损失原因, 是否未遂事件 are mapped."""
    header = ["事件编号", "事件名称", "损失事件类型", "业务条线", "损失原因", "法人机构", "发现日期",
              "损失金额(万元)", "法律事件", "关联主事件编号", "是否未遂事件"]  # fmt: skip
    rows = [["CN-1", "伪造存单诈骗（主事件）", "内部欺诈", "商业银行", "人员", "示例银行", "2024年4月2日",
             "3200", "是", "", "否"],
            ["CN-2", "伪造存单骗贷", "外部欺诈", "零售银行", "外部事件", "示例银行", "2024年4月2日",
             "860", "是", "CN-1", "否"]]  # fmt: skip
    write_csv(d / "zh_register.csv", rows, header)
    return Case(
        "zh_register.csv", ["--mapping", "zh-CN", "--kind", "incidents"], rejected=0, loaded=2
    )


@case
def unmapped_close(d: Path) -> Case:
    write_csv(d / "unmapped_close.csv", [[*row(1), "x"]], [*HEADER, "Legal risk flag"])
    return Case("unmapped_close.csv", fatal="did you mean 'legal'")


@case
def unmapped_far(d: Path) -> Case:
    write_csv(d / "unmapped_far.csv", [[*row(1), "call back"]], [*HEADER, "Comments"])
    return Case("unmapped_far.csv", rejected=0, loaded=1, warning="'Comments'")


@case
def unmapped_strict(d: Path) -> Case:
    write_csv(d / "unmapped_strict.csv", [[*row(1), "call back"]], [*HEADER, "Comments"])
    return Case("unmapped_strict.csv", ["--strict"], fatal="is not mapped (strict)")


@case
def decimal_comma_semicolon(d: Path) -> Case:
    rows = [row(1, currency="JPY", gross_loss="72.039"), row(2, gross_loss="1.234,56"),
            row(3, gross_loss="12.000")]  # fmt: skip
    write_csv(d / "decimal_comma.csv", rows, delimiter=";")
    return Case("decimal_comma.csv", rejected=0, loaded=3)


@case
def ambiguous_numbers(d: Path) -> Case:
    write_csv(
        d / "ambiguous.csv",
        [row(1, currency="JPY", gross_loss="72.039"), row(2, gross_loss="1000")],
    )
    return Case("ambiguous.csv", fatal="cannot tell how to read the amounts")


@case
def jpy_three_decimals(d: Path) -> Case:
    args = mapping(
        d, "point.toml", 'extends = "canonical"\n[read]\ndecimal = "."\nthousands = ","\n'
    )
    write_csv(d / "jpy.csv", [row(1, currency="JPY", gross_loss="72.039"), row(2)])
    return Case("jpy.csv", args, rejected=1, loaded=1, reason="JPY has no minor unit")


@case
def eur_sub_cent(d: Path) -> Case:
    write_csv(
        d / "eur_sub_cent.csv", [row(1, gross_loss="10.125"), row(2, gross_loss="0.123456789")]
    )
    return Case("eur_sub_cent.csv", rejected=2, reason="EUR has 2 decimals")


@case
def overflow_after_unit(d: Path) -> Case:
    header = [*HEADER[:-1], "gross_loss (亿元)"]
    write_csv(d / "overflow_unit.csv", [row(1, gross_loss="9e17"), row(2, gross_loss="3")], header)
    return Case("overflow_unit.csv", rejected=1, loaded=1, reason="after its unit")


@case
def unit_1e400(d: Path) -> Case:
    args = mapping(d, "unit.toml", 'extends = "canonical"\nunit = "1e400"\n')
    write_csv(d / "unit.csv", [row(1)])
    return Case("unit.csv", args, fatal="'unit'")


@case
def json_deep(d: Path) -> Case:
    deep = obj(2).replace('"Case 2"', "[" * 2990 + "]" * 2990)
    write_jsonl(d / "deep.jsonl", [obj(1), deep, obj(3)])
    return Case("deep.jsonl", rejected=1, loaded=2, reason="nested 2,991 deep")


@case
def json_lone_surrogate(d: Path) -> Case:
    write_jsonl(d / "surrogate.jsonl", [obj(1), obj(2).replace("Case 2", "Case \\ud800 2"), obj(3)])
    return Case("surrogate.jsonl", rejected=1, loaded=2, reason="unpaired surrogate")


@case
def json_nul(d: Path) -> Case:
    write_jsonl(d / "nul.jsonl", [obj(1, title="a\u0000b"), obj(2)])
    return Case("nul.jsonl", rejected=1, loaded=1, reason="NUL")


@case
def long_line(d: Path) -> Case:
    write_csv(d / "long_line.csv", [row(1), row(2, title="x" * 5000), row(3)])
    return Case("long_line.csv", limited(d), rejected=1, loaded=2, reason="max_line_length")


@case
def long_field(d: Path) -> Case:
    write_csv(d / "long_field.csv", [row(1), row(2, title="y" * 900), row(3)])
    return Case("long_field.csv", limited(d), rejected=1, loaded=2, reason="max_field_size")


@case
def long_quoted_record(d: Path) -> Case:
    body = "\n".join(["line of a quoted description"] * 200)
    write_csv(d / "long_record.csv", [row(1), row(2, title=body), row(3)])
    return Case("long_record.csv", limited(d), rejected=1, loaded=2, reason="max_line_length")


@case
def rejects_unwritable(d: Path) -> Case:
    write_csv(d / "unwritable.csv", [row(1, gross_loss="-1")])
    (d / "unwritable.csv.rejects.csv").mkdir()  # the rejects file cannot be written there
    return Case("unwritable.csv", fatal="--rejects PATH")


@case
def rejects_elsewhere(d: Path) -> Case:
    write_csv(d / "elsewhere.csv", [row(1, gross_loss="-1"), row(2)])
    (d / "elsewhere.csv.rejects.csv").mkdir()
    (d / "rejects-here").mkdir()
    return Case("elsewhere.csv", ["--rejects", str(d / "rejects-here")], rejected=1, loaded=1)


@case
def movement_lines_total(d: Path) -> Case:
    """150 large movement lines on one event: the event's total stays below 10^18."""
    write_csv(d / "base_event.csv", [row(1, gross_loss="0")])
    rows = [
        ["H-1", f"L{i}", "loss", "9900000000000000.00", "EUR", "2024-02-01"] for i in range(150)
    ]
    write_csv(d / "movements_big.csv", rows,
              ["external_id", "line_id", "kind", "amount", "currency", "accounted_on"])  # fmt: skip
    return Case("movements_big.csv", ["--kind", "movements", "--source", "base_event"],
                rejected=49, loaded=101, reason="above the limit of 10^18",
                before=[[str(d / "base_event.csv")]])  # fmt: skip


@case
def xlsx_huge_inline_string(d: Path) -> Case:
    write_xlsx(d / "huge_cell.xlsx", [row(1), row(2)])
    big = b'<c r="K2" t="inlineStr"><is><t>' + b"z" * 10_000 + b"</t></is></c></row>"
    patch_part(d / "huge_cell.xlsx", SHEET, lambda x: x.replace(b"</row>", big, 2))
    return Case("huge_cell.xlsx", limited(d), fatal="too long for [limits] max_field_size")


@case
def xlsx_part_too_large(d: Path) -> Case:
    write_xlsx(d / "big_part.xlsx", [row(i) for i in range(1, 2000)])
    return Case("big_part.xlsx", limited(d), fatal="max_xlsx_part_size")


@case
def xlsx_truncated_sheet(d: Path) -> Case:
    write_xlsx(d / "truncated.xlsx", [row(i) for i in range(1, 6)])
    patch_part(d / "truncated.xlsx", SHEET, lambda x: x[: x.index(b'<row r="5"')])
    return Case("truncated.xlsx", rejected=1, loaded=3, reason="cannot be read after row 4")


@case
def xlsx_billion_laughs(d: Path) -> Case:
    write_xlsx(d / "laughs.xlsx", [row(1)])
    dtd = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
           + b"]>")  # fmt: skip
    patch_part(
        d / "laughs.xlsx",
        SHEET,
        lambda x: dtd + x.replace(b"Case 1", b"&lol9;"),
    )
    return Case("laughs.xlsx", fatal="declares a DTD")


@case
def encoding_rot13(d: Path) -> Case:
    args = mapping(d, "rot13.toml", 'extends = "canonical"\n[read]\nencoding = "rot13"\n')
    write_csv(d / "rot13.csv", [row(1)])
    return Case("rot13.csv", args, fatal="read.encoding")


@case
def huge_future_tolerance(d: Path) -> Case:
    args = mapping(
        d, "future.toml", 'extends = "canonical"\nfuture_tolerance_days = 100000000000\n'
    )
    write_csv(d / "future.csv", [row(1)])
    return Case("future.csv", args, fatal="future_tolerance_days")


@case
def date_hour_25(d: Path) -> Case:
    write_csv(d / "hour25.csv", [row(1, discovered_on="2024-01-15T25:00"), row(2)])
    return Case("hour25.csv", rejected=1, loaded=1, reason="not a real calendar date and time")


@case
def bom_inside_ids(d: Path) -> Case:
    write_csv(
        d / "bom_ids.csv",
        [row(1), row(2, external_id="\ufeffH-1"), row(3, external_id="H\ufeff-3")],
    )
    return Case("bom_ids.csv", rejected=2, loaded=1, reason="byte-order mark")


@case
def json_duplicate_keys(d: Path) -> Case:
    write_jsonl(d / "dup_keys.jsonl", [obj(1), obj(2)[:-1] + ', "gross_loss": "1"}'])
    return Case("dup_keys.jsonl", rejected=1, loaded=1, reason="appears twice")


@case
def xlsx_date_serials(d: Path) -> Case:
    write_xlsx(d / "serials.xlsx", [[*row(1)[:5], 45306, 45307, 45322, "EUR", 100]])
    return Case("serials.xlsx", rejected=1, reason="Excel date serial")


@case
def did_you_mean(d: Path) -> Case:
    write_csv(
        d / "typos.csv", [row(1, business_line="Retail banknig"), row(2, currency="EURO"), row(3)]
    )
    return Case("typos.csv", rejected=2, loaded=1, reason="did you mean BL3 Retail Banking?")


@case
def threshold_and_driver(d: Path) -> Case:
    """Not a file: options the CLI refuses (in the same one-line format)."""
    write_csv(d / "plain.csv", [row(1)])
    return Case("plain.csv", ["--batch-size", "0"], fatal="--batch-size", usage=True)


# --- encodings ---------------------------------------------------------------------------------


@case
def utf16_le_bom(d: Path) -> Case:
    write_csv(d / "utf16.csv", [row(1, title="损失 一")], encoding="utf-16")
    return Case("utf16.csv", rejected=0, loaded=1)


@case
def utf16_be_no_bom(d: Path) -> Case:
    write_csv(d / "utf16be.csv", [row(1)], encoding="utf-16-be")
    return Case("utf16be.csv", rejected=0, loaded=1)


@case
def gb18030_chinese(d: Path) -> Case:
    write_csv(d / "gb.csv", [row(1, title="外部欺诈 ATM盗刷")], encoding="gb18030")
    return Case("gb.csv", rejected=0, loaded=1)


@case
def cp1252_undeclared(d: Path) -> Case:
    write_csv(d / "cp1252.csv", [row(i, title="Überweisung fehlgeschlagen für Müller") for i in range(1, 4)],
              encoding="cp1252")  # fmt: skip
    return Case("cp1252.csv", fatal="set [read] encoding")


@case
def cp1252_declared(d: Path) -> Case:
    args = mapping(d, "cp1252.toml", 'extends = "canonical"\n[read]\nencoding = "cp1252"\n')
    write_csv(d / "cp1252_ok.csv", [row(1, title="Überweisung für Müller")], encoding="cp1252")
    return Case("cp1252_ok.csv", args, rejected=0, loaded=1)


@case
def wrong_encoding_declared(d: Path) -> Case:
    args = mapping(d, "utf8.toml", 'extends = "canonical"\n[read]\nencoding = "utf-8"\n')
    write_csv(d / "latin.csv", [row(1), row(2, title="caf\u00e9")], encoding="latin-1")
    return Case("latin.csv", args, fatal="as utf-8")


@case
def empty_file(d: Path) -> Case:
    (d / "empty.csv").write_bytes(b"")
    return Case("empty.csv", fatal="empty file")


@case
def only_bom(d: Path) -> Case:
    (d / "bom_only.csv").write_bytes(b"\xef\xbb\xbf\r\n")
    return Case("bom_only.csv", fatal="empty file")


@case
def binary_garbage(d: Path) -> Case:
    (d / "garbage.csv").write_bytes(bytes(range(256)) * 40)
    return Case("garbage.csv", fatal="garbage.csv")


@case
def utf8_bom_each_jsonl_line(d: Path) -> Case:
    write_jsonl(d / "bom_lines.jsonl", ["\ufeff" + obj(1), "\ufeff" + obj(2)])
    return Case("bom_lines.jsonl", rejected=0, loaded=2)


# --- bombs and sizes ----------------------------------------------------------------------------


@case
def gzip_bomb(d: Path) -> Case:
    with gzip.open(d / "bomb.csv.gz", "wb", compresslevel=9) as f:
        f.write((",".join(HEADER) + "\n").encode())
        f.write(b"a" * 5_000_000)  # one line of 5 MB from a few kB
        f.write(b"\n" + ",".join(row(2)).encode() + b"\n")
    return Case("bomb.csv.gz", limited(d), rejected=1, loaded=1, reason="max_line_length")


@case
def gzip_truncated(d: Path) -> Case:
    data = gzip.compress(
        ("\n".join([",".join(HEADER), *(",".join(row(i)) for i in range(1, 300))])).encode()
    )
    (d / "cut.csv.gz").write_bytes(data[: len(data) // 2])
    return Case("cut.csv.gz", fatal="cut.csv.gz")


@case
def xlsx_zip_bomb(d: Path) -> Case:
    write_xlsx(d / "zipbomb.xlsx", [row(1)])
    patch_part(
        d / "zipbomb.xlsx",
        SHEET,
        lambda x: x.replace(b"</sheetData>", b"</sheetData>" + b" " * 3_000_000),
    )
    return Case("zipbomb.xlsx", limited(d), fatal="decompresses to")


@case
def too_many_columns(d: Path) -> Case:
    write_csv(
        d / "wide.csv", [[*row(1), *["v"] * 60]], [*HEADER, *(f"extra {i}" for i in range(60))]
    )
    return Case("wide.csv", limited(d), fatal="max_columns")


@case
def jsonl_too_many_keys(d: Path) -> Case:
    lines = [obj(1)] + [obj(i, **{f"k{i}_{j}": 1 for j in range(10)}) for i in range(2, 8)]
    write_jsonl(d / "keys.jsonl", lines)
    return Case("keys.jsonl", limited(d), rejected=3, reason="distinct keys above")


@case
def unterminated_quote(d: Path) -> Case:
    text = (
        ",".join(HEADER)
        + "\n"
        + ",".join(row(1))
        + '\nH-2,"never closed,ET2,BL3\n'
        + ",".join(row(3))
        + "\n"
    )
    (d / "open_quote.csv").write_text(text, encoding="utf-8")
    return Case("open_quote.csv", rejected=1, loaded=1, reason="unterminated quoted field")


@case
def xlsx_not_a_zip(d: Path) -> Case:
    (d / "fake.xlsx").write_text("external_id,title\n1,2\n", encoding="utf-8")
    return Case("fake.xlsx", fatal="not a readable XLSX workbook")


@case
def xlsx_wide_header(d: Path) -> Case:
    write_xlsx(d / "wide.xlsx", [row(1)], [*HEADER, *(["x"] * 45)])
    return Case("wide.xlsx", limited(d), fatal="max_columns")


# --- injection text -----------------------------------------------------------------------------


@case
def formula_injection(d: Path) -> Case:
    rows = [row(1, title="=HYPERLINK(\"http://evil\",\"x\")"), row(2, title="+SUM(A1:A9)"),
            row(3, title="@cmd|' /C calc'!A0"), row(4, title="-2+3")]  # fmt: skip
    write_csv(d / "formulas.csv", rows)
    return Case("formulas.csv", rejected=0, loaded=4)


@case
def sql_injection(d: Path) -> Case:
    rows = [row(1, external_id="1'; DROP TABLE events; --", title="'); DELETE FROM ledger_lines; --"),
            row(2, legal_entity="Robert'); DROP TABLE loss_event_versions;--")]  # fmt: skip
    write_csv(d / "sql.csv", rows)
    return Case("sql.csv", rejected=0, loaded=2)


@case
def markup_and_escapes(d: Path) -> Case:
    rows = [row(1, title="<script>alert(1)</script>"), row(2, title="\x1b[31mred\x1b[0m"),
            row(3, external_id="H-\x1b[2J3")]  # fmt: skip
    write_csv(d / "markup.csv", rows)
    return Case("markup.csv", rejected=1, loaded=2, reason="control character")


@case
def db_column_widths(d: Path) -> Case:
    write_csv(
        d / "widths.csv", [row(1, legal_entity="L" * 300), row(2, external_id="I" * 250), row(3)]
    )
    return Case("widths.csv", rejected=2, loaded=1, reason="at most 200")


@case
def newlines_in_fields(d: Path) -> Case:
    write_csv(d / "multiline.csv", [row(1, title="first\nsecond\r\nthird"), row(2)])
    return Case("multiline.csv", rejected=0, loaded=2)


# --- dates --------------------------------------------------------------------------------------


@case
def dates_bad(d: Path) -> Case:
    rows = [row(1, discovered_on="2024-02-30"), row(2, discovered_on="05/03/2024"),
            row(3, discovered_on="9999-12-31"), row(4, occurred_on="2024-03-01", discovered_on="2024-01-01"),
            row(5, discovered_on="2024-02-29"), row(6, discovered_on="x" * 300)]  # fmt: skip
    write_csv(d / "dates.csv", rows)
    return Case("dates.csv", rejected=5, loaded=1, reason="expected a date like 2024-03-15")


@case
def dates_declared_day_first(d: Path) -> Case:
    args = mapping(
        d, "dayfirst.toml", 'extends = "canonical"\n[read]\ndate_formats = ["%d/%m/%Y"]\n'
    )
    write_csv(
        d / "dayfirst.csv",
        [row(1, discovered_on="15/01/2024", occurred_on="10/01/2024", accounted_on="")],
    )
    return Case("dayfirst.csv", args, rejected=0, loaded=1)


# --- numbers ------------------------------------------------------------------------------------


@case
def numbers_exotic(d: Path) -> Case:
    good = ["(1,000.00)", "1234-", "１２３", "€ 5", "RMB 2,500.50", "150万元"]
    bad = ["1e400", "NaN", "Infinity", "1_000", "9" * 60, "1e999999999", "1'234.50", "--5"]
    rows = [row(i, gross_loss=v, currency="CNY" if "元" in v or "RMB" in v else "EUR")
            for i, v in enumerate(good + bad, 1)]  # fmt: skip
    write_csv(d / "numbers.csv", rows)
    return Case("numbers.csv", rejected=2 + len(bad), loaded=4, reason="not a number")


@case
def numbers_space_grouping_comma_decimal(d: Path) -> Case:
    write_csv(
        d / "spaces.csv",
        [row(1, gross_loss="1 234,56"), row(2, gross_loss="12 000")],
        delimiter=";",
    )
    return Case("spaces.csv", rejected=0, loaded=2)


@case
def numbers_mixed_conventions(d: Path) -> Case:
    write_csv(
        d / "mixed_numbers.csv", [row(1, gross_loss="1,234.56"), row(2, gross_loss="1.234,56")]
    )
    return Case("mixed_numbers.csv", rejected=1, loaded=1, reason="line 2")


@case
def jsonl_numbers_exact(d: Path) -> Case:
    write_jsonl(d / "numbers.jsonl", [obj(1, gross_loss=0.1), obj(2, gross_loss=72.039, currency="JPY"),
                                      obj(3, gross_loss=1e400)])  # fmt: skip
    return Case("numbers.jsonl", rejected=2, loaded=1, reason="JPY has no minor unit")


# --- currencies ---------------------------------------------------------------------------------


@case
def currencies(d: Path) -> Case:
    rows = [row(1, currency="KWD", gross_loss="1.125"), row(2, currency="JPY", gross_loss="72039"),
            row(3, currency="XAU", gross_loss="1.12345678"), row(4, currency="CNH"),
            row(5, currency="RMB"), row(6, currency="usd", gross_loss="$5"),
            row(7, currency="EUR", gross_loss="$5"), row(8, currency="XXX"),
            row(9, currency="KWD", gross_loss="1.1255")]  # fmt: skip
    write_csv(d / "currencies.csv", rows)
    return Case("currencies.csv", rejected=3, loaded=6, reason="KWD has 3 decimals")


# --- duplicates ---------------------------------------------------------------------------------


@case
def duplicate_ids(d: Path) -> Case:
    write_csv(d / "dups.csv", [row(1), row(1), row(2), row(2, title="other")])
    return Case("dups.csv", rejected=2, loaded=2, reason="duplicate external_id")


@case
def duplicate_headers(d: Path) -> Case:
    write_csv(d / "dup_headers.csv", [[*row(1), "5"]], [*HEADER, "Gross loss"])
    return Case("dup_headers.csv", fatal="both map to 'gross_loss'")


@case
def same_header_twice(d: Path) -> Case:
    write_csv(d / "same_header.csv", [[*row(1), "x"]], [*HEADER, "title"])
    return Case("same_header.csv", fatal="both map to 'title'")


# --- line endings and layout ---------------------------------------------------------------------


@case
def line_endings_mixed(d: Path) -> Case:
    lines = [",".join(HEADER), *(",".join(row(i)) for i in range(1, 7))]
    ends = ["\r\n", "\n", "\r", "\r\n", "\n", "\r", "\n"]
    (d / "endings.csv").write_text(
        "".join(x + e for x, e in zip(lines, ends, strict=True)), encoding="utf-8"
    )
    return Case("endings.csv", rejected=0, loaded=6)


@case
def blank_lines_and_ragged(d: Path) -> Case:
    text = (
        ",".join(HEADER)
        + "\n\n"
        + ",".join(row(1))
        + "\n,,,\n"
        + ",".join(row(2)[:5])
        + "\n"
        + ",".join([*row(3), "extra"])
        + "\n"
    )
    (d / "ragged.csv").write_text(text, encoding="utf-8")
    return Case("ragged.csv", rejected=2, loaded=1)


@case
def tab_delimited_csv(d: Path) -> Case:
    write_csv(d / "tabs.csv", [row(1), row(2)], delimiter="\t")
    return Case("tabs.csv", rejected=0, loaded=2)


@case
def header_only(d: Path) -> Case:
    write_csv(d / "header_only.csv", [])
    return Case("header_only.csv", rejected=0, loaded=0)


@case
def missing_required_column(d: Path) -> Case:
    write_csv(d / "no_amount.csv", [row(1)[:-1]], HEADER[:-1])
    return Case("no_amount.csv", fatal="gross_loss")


@case
def unsupported_suffix(d: Path) -> Case:
    (d / "report.pdf").write_bytes(b"%PDF-1.4")
    return Case("report.pdf", fatal="unsupported file type")


@case
def folder_named_csv(d: Path) -> Case:
    (d / "folder.csv").mkdir()
    return Case("folder.csv", fatal="is a directory", usage=True)


@case
def jsonl_not_objects(d: Path) -> Case:
    write_jsonl(d / "shapes.jsonl", [obj(1), "[1, 2]", "42", "NaN", '{"external_id": ', obj(2)])
    return Case("shapes.jsonl", rejected=4, loaded=2, reason="not an object")


@case
def dry_run(d: Path) -> Case:
    write_csv(d / "preview.csv", [row(1), row(2, gross_loss="-3")])
    return Case("preview.csv", ["--dry-run"], rejected=1, loaded=1, dry_run=True)


# --- other kinds --------------------------------------------------------------------------------


@case
def movements_unknown_event(d: Path) -> Case:
    rows = [
        ["NOPE", "L1", "loss", "10.00", "EUR", "2024-02-01"],
        ["NOPE", "L2", "write-off", "1", "EUR", "2024-02-01"],
    ]
    write_csv(
        d / "orphans.csv",
        rows,
        ["external_id", "line_id", "kind", "amount", "currency", "accounted_on"],
    )
    return Case(
        "orphans.csv", ["--kind", "movements"], rejected=2, reason="load its incident first"
    )


@case
def financials_bad(d: Path) -> Case:
    header = ["legal_entity", "year", "item", "business_line", "amount", "currency"]
    rows = [["Hostile Bank AG", "2024", "gross_income", "BL3", "1000000", "EUR"],
            ["Hostile Bank AG", "2099", "gross_income", "BL4", "5", "EUR"],
            ["Hostile Bank AG", "2024", "fee_expense", "", "-5", "EUR"],
            ["Hostile Bank AG", "2024", "gross incme", "BL2", "5", "EUR"]]  # fmt: skip
    write_csv(d / "financials.csv", rows, header)
    return Case(
        "financials.csv",
        ["--kind", "financials"],
        rejected=3,
        loaded=1,
        reason="did you mean gross_income",
    )


@case
def source_too_long(d: Path) -> Case:
    write_csv(d / "source.csv", [row(1)])
    return Case("source.csv", ["--source", "S" * 150], fatal="'source'")


@case
def bad_delimiter_setting(d: Path) -> Case:
    args = mapping(d, "delim.toml", 'extends = "canonical"\n[read]\ndelimiter = "\\""\n')
    write_csv(d / "delim.csv", [row(1)])
    return Case("delim.csv", args, fatal="read.delimiter")


@case
def limits_setting_bad(d: Path) -> Case:
    args = mapping(d, "badlimits.toml", 'extends = "canonical"\n[limits]\nmax_field_size = 0\n')
    write_csv(d / "badlimits.csv", [row(1)])
    return Case("badlimits.csv", args, fatal="limits.max_field_size")
