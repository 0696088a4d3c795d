"""Amounts: number conventions detected from the data, ISO 4217 minor units, limits after units."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from oprisk.domain.money import ISO_4217, MINOR_UNITS, minor_units
from oprisk.errors import MappingError
from oprisk.ingest.amount_rules import decimals, minor_unit_problem
from oprisk.ingest.conventions import detect_convention
from oprisk.ingest.mapping import load_mapping
from oprisk.ingest.records import ExactNumber, Record
from oprisk.ingest.rows import read_rows


def _records(*cells: str) -> list[Record]:
    return [Record(i + 2, {"amount": c}) for i, c in enumerate(cells)]


@pytest.mark.parametrize(
    ("cells", "decimal", "line"),
    [
        (["1000", "72.039", "1.234,56"], ",", 4),  # the first cell that reads one way decides
        (["72.039", "0.5"], ".", 3),
        (["1 234,5"], ",", 2),
        (["48250.00"], ".", 2),
        (["1000", "2 000", "€5"], ".", None),  # nothing to decide, nothing ambiguous
        (["1,234.56", "1.234,56"], ".", 2),  # mixed: the first decides, the other is rejected
    ],
)
def test_the_convention_comes_from_the_first_cell_that_reads_one_way(
    cells: list[str], decimal: str, line: int | None
) -> None:
    found = detect_convention(_records(*cells), ["amount"], {}, "f")
    assert (found.decimal, found.line) == (decimal, line)


def test_an_ambiguous_file_is_refused_and_typed_numbers_are_not_evidence() -> None:
    with pytest.raises(MappingError, match=r"\[read\] decimal"):
        detect_convention(_records("72.039", "1,500"), ["amount"], {}, "f")
    typed = [Record(2, {"amount": ExactNumber("0.5")}), Record(3, {"amount": "72.039"})]
    with pytest.raises(MappingError, match=r"72\.039"):
        detect_convention(typed, ["amount"], {}, "f")


def test_read_rows_uses_the_detected_convention_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "de.csv"
    path.write_text(
        "external_id;event_type;business_line;legal_entity;discovered_on;currency;gross_loss\n"
        "A;ET7;BL2;X;2024-01-02;EUR;1.234,56\n"
        "B;ET7;BL2;X;2024-01-02;EUR;1,234.56\n"
    )
    rows = list(read_rows(path, "incidents"))
    assert rows[0].row is not None and rows[0].row.gross_loss == Decimal("1234.56")
    (why,) = rows[1].rejects
    assert "this file's amounts read with decimal ','" in why.reason
    assert "line 2, 'gross_loss' = '1.234,56'" in why.reason


def test_declared_separators_are_not_second_guessed(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text('extends = "canonical"\n[read]\ndecimal = "."\n')
    m = load_mapping(tmp_path / "m.toml")
    assert m.numbers_declared and not load_mapping("canonical").numbers_declared
    (tmp_path / "both.toml").write_text('decimal = ","\n[read]\ndecimal = "."\n')
    with pytest.raises(MappingError, match=r"read\.decimal"):
        load_mapping(tmp_path / "both.toml")
    (tmp_path / "same.toml").write_text('[read]\ndecimal = ","\nthousands = ","\n')
    with pytest.raises(MappingError, match="must differ"):
        load_mapping(tmp_path / "same.toml")


def test_minor_units_are_the_iso_4217_exponents() -> None:
    # ISO 4217 list one (2024): a hand-picked check of each exponent class
    expected = {"EUR": 2, "USD": 2, "CNY": 2, "GBP": 2, "JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0,
                "XOF": 0, "KWD": 3, "BHD": 3, "TND": 3, "CLF": 4, "UYW": 4, "XAU": None,
                "XDR": None}  # fmt: skip
    assert {c: minor_units(c) for c in expected} == expected
    assert set(MINOR_UNITS) == ISO_4217


@pytest.mark.parametrize(
    ("value", "n"),
    [("1.50", 1), ("72.039", 3), ("1.2E+3", 0), ("1E-2", 2), ("0.000", 0), ("100", 0),
     ("-0.10", 1), ("12345678901234567890.123456789012345678901", 21)],
)  # fmt: skip
def test_decimals_are_counted_without_rounding(value: str, n: int) -> None:
    assert decimals(Decimal(value)) == n


def test_minor_unit_messages() -> None:
    assert minor_unit_problem(Decimal("1.10"), "EUR") is None
    assert minor_unit_problem(Decimal("72039"), "JPY") is None
    assert "JPY has no minor unit" in (minor_unit_problem(Decimal("72.039"), "JPY") or "")
    assert "KWD has 3 decimals" in (minor_unit_problem(Decimal("1.0001"), "KWD") or "")
    assert minor_unit_problem(Decimal("1.12345678"), "XAU") is None
    assert "kept to 8" in (minor_unit_problem(Decimal("1.123456789"), "XAU") or "")


@pytest.mark.parametrize(
    ("header", "cell", "why"),
    [
        ("gross_loss (亿元)", "9e17", "≥ 10^18 after its unit"),
        ("gross_loss", "9e17亿元", "not a number"),
        ("gross_loss", "1e18", "≥ 10^18"),
        ("gross_loss", "1e999999999", "≥ 10^18"),
        ("gross_loss", "-1e999999999", "≥ 10^18"),
        ("gross_loss", "1" * 45, "more than 40 digits"),
        ("gross_loss (万元)", "0.0000001", "EUR has 2 decimals"),
    ],
)
def test_amount_limits_apply_to_the_final_amount(
    tmp_path: Path, header: str, cell: str, why: str
) -> None:
    path = tmp_path / "a.csv"
    path.write_text(
        f"external_id,event_type,business_line,legal_entity,discovered_on,currency,{header}\n"
        f"A,ET7,BL2,X,2024-01-02,EUR,{cell}\n",
        encoding="utf-8",
    )
    (result,) = list(read_rows(path, "incidents"))
    assert result.row is None and any(why in r.reason for r in result.rejects), result.rejects


def test_a_unit_beyond_a_trillion_is_a_mapping_error(tmp_path: Path) -> None:
    (tmp_path / "u.toml").write_text('unit = "1e400"\n')
    with pytest.raises(MappingError, match="up to 10\\^12"):
        load_mapping(tmp_path / "u.toml")


def test_xlsx_numbers_are_read_to_excels_fifteen_digits(tmp_path: Path) -> None:
    """A formula's binary remainder (0.1 + 0.2 = 0.30000000000000004) is not a third decimal."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["external_id", "event_type", "business_line", "legal_entity",
                      "discovered_on", "currency", "gross_loss"])  # fmt: skip
    wb.active.append(["X-1", "ET7", "BL2", "B", "2024-01-02", "EUR", 0.1 + 0.2])
    wb.active.append(["X-2", "ET7", "BL2", "B", "2024-01-02", "EUR", 1234.5600000000002])
    wb.active.append(["X-3", "ET7", "BL2", "B", "2024-01-02", "EUR", 0.125])
    wb.save(tmp_path / "f.xlsx")
    a, b, c = list(read_rows(tmp_path / "f.xlsx", "incidents"))
    assert a.row is not None and a.row.gross_loss == Decimal("0.3")
    assert b.row is not None and b.row.gross_loss == Decimal("1234.56")
    assert c.row is None and "EUR has 2 decimals" in c.rejects[0].reason
