"""Mappings: presets, extends, header matching with units, cell parsers, bad mappings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from oprisk.errors import MappingError
from oprisk.ingest.mapping import KIND_FIELDS, Invalid, Mapping, load_mapping


@pytest.fixture(scope="module")
def canonical() -> Mapping:
    return load_mapping("canonical")


@pytest.fixture(scope="module")
def zh() -> Mapping:
    return load_mapping("zh-CN")


def test_presets_load_and_extend(zh: Mapping) -> None:
    assert zh.name == "zh-CN" and zh.defaults == {"currency": "CNY"}
    assert zh.date_formats[0] == "%Y年%m月%d日" and "%Y/%m/%d" in zh.date_formats
    assert zh.field_for("Discovery Date") == ("discovered_on", None)  # canonical aliases inherited


@pytest.mark.parametrize(
    ("header", "field", "unit"),
    [
        ("事件编号", "external_id", None),
        ("External ID", "external_id", None),
        ("EXTERNAL_ID", "external_id", None),
        (" gross-loss ", "gross_loss", None),
        ("發現日期", "discovered_on", None),
        ("损失金额(万元)", "gross_loss", Decimal(10_000)),
        ("损失金额（亿元）", "gross_loss", Decimal(100_000_000)),
        ("損失金額(萬元)", "gross_loss", Decimal(10_000)),
        ("Gross loss (EUR thousands)", "gross_loss", Decimal(1000)),
        ("Gross loss ('000)", "gross_loss", Decimal(1000)),
        ("Gross loss (EUR)", "gross_loss", None),
    ],
)
def test_headers_and_their_units(
    zh: Mapping, header: str, field: str, unit: Decimal | None
) -> None:
    plan = zh.plan([header], "incidents")
    assert plan.sources == {field: header}
    assert plan.units.get(field) == unit


def test_header_currency_and_unknown_unit(zh: Mapping) -> None:
    assert zh.plan(["损失金额(人民币万元)"], "incidents").currencies == {"gross_loss": "CNY"}
    assert zh.plan(["Gross loss (USD m)"], "incidents").units == {"gross_loss": Decimal(10**6)}
    with pytest.raises(MappingError, match="cannot tell the unit"):
        zh.plan(["损失金额(含税)"], "incidents")


def test_two_headers_for_one_field_is_fatal(canonical: Mapping) -> None:
    with pytest.raises(
        MappingError, match="'Gross loss' and 'loss amount' both map to 'gross_loss'"
    ):
        canonical.plan(["Gross loss", "loss amount"], "incidents")


@pytest.mark.parametrize(
    ("raw", "value", "currency"),
    [
        ("1234.56", "1234.56", None),
        ("1,234.56", "1234.56", None),
        ("1 234.56", "1234.56", None),
        ("$1,234.56", "1234.56", "USD"),
        ("US$ 7", "7", "USD"),
        ("€-5", "-5", "EUR"),
        ("-€5", "-5", "EUR"),
        ("(1,000.00)", "-1000.00", None),
        ("1234-", "-1234", None),
        ("￥1,000", "1000", "CNY"),
        ("RMB 2,500.50", "2500.50", "CNY"),
        ("3,000元", "3000", "CNY"),
        ("5 EUR", "5", "EUR"),
        ("CHF 12", "12", "CHF"),
        ("１２３", "123", None),
        ("1.5E+3", "1.5E+3", None),
    ],
)
def test_amounts(canonical: Mapping, raw: str, value: str, currency: str | None) -> None:
    parsed, cur, _ = canonical.parse_amount(raw)
    assert (parsed, cur) == (Decimal(value), currency)


def test_amount_units_in_the_cell(canonical: Mapping) -> None:
    assert canonical.parse_amount("150万元") == (Decimal(150), "CNY", Decimal(10_000))
    assert canonical.parse_amount("1.5亿") == (Decimal("1.5"), None, Decimal(10**8))


@pytest.mark.parametrize(
    "raw", ["lots", "1.234,56", "1,2,3", "1,00,000", "--5", "", "NaN", "Infinity", "1_000", "€"]
)
def test_not_amounts(canonical: Mapping, raw: str) -> None:
    with pytest.raises(Invalid, match="not a number"):
        canonical.parse_amount(raw)


def test_european_amounts(tmp_path: Path) -> None:
    path = tmp_path / "eu.toml"
    path.write_text('extends = "canonical"\ndecimal = ","\nthousands = "."\n')
    m = load_mapping(path)
    assert m.parse_amount("1.234,56 €") == (Decimal("1234.56"), "EUR", None)
    assert m.parse_amount("1 234,5")[0] == Decimal("1234.5")
    with pytest.raises(Invalid):
        m.parse_amount("1,234.56")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024-03-05T10:30:00", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
        ("20240305", date(2024, 3, 5)),
        ("45356", date(2024, 3, 5)),
    ],
)
def test_dates(zh: Mapping, raw: str, expected: date) -> None:
    assert zh.parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2025-02-30", "not a real calendar date"),
        ("2025/02/30", "not a real calendar date"),
        ("2023年2月29日", "not a real calendar date"),
        ("05/03/2024", "expected a date like"),
        ("soon", "expected a date like"),
    ],
)
def test_bad_dates(zh: Mapping, raw: str, reason: str) -> None:
    with pytest.raises(Invalid, match=reason):
        zh.parse_date(raw)


def test_booleans_and_value_maps(zh: Mapping, tmp_path: Path) -> None:
    assert [zh.parse_bool(x) for x in ["是", "否", "Y", "n", "TRUE", "0", " yes "]] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
    ]
    with pytest.raises(Invalid, match="yes/no"):
        zh.parse_bool("maybe")
    path = tmp_path / "m.toml"
    path.write_text(
        'extends = "zh-CN"\n[values.event_type]\n"Fraude externe" = "ET2"\n[booleans]\ntrue = ["oui"]\nfalse = ["non"]\n'
    )
    m = load_mapping(path)
    assert m.map_value("event_type", "fraude  EXTERNE") == "ET2"
    assert m.map_value("kind", "拨备") == "provision"  # inherited from zh-CN
    assert m.parse_bool("Oui") is True and m.parse_bool("是") is True


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("colums = {}", "colums"),
        ('[columns]\n"Amount" = "amount_eur"', "columns.Amount"),
        ('date_formats = "%Y"', "date_formats"),
        ('decimal = ",,"', "decimal"),
        ('unit = "dozens"', "unit"),
        ('[units]\ntitle = "万元"', "units.title"),
        ('[currency_symbols]\n"€" = "EURO"', "currency_symbols.€"),
        ('[read]\nmerged_cells = "guess"', "read.merged_cells"),
        ('[read]\nencoding = "klingon"', "read.encoding"),
        ("[read]\nsheet_name = 1", "read.sheet_name"),
        ('kind = "losses"', "kind"),
        ('[booleans]\ntrue = ["no"]', "booleans"),
        ('extends = "nope"', "mapping"),
        ("this is = not toml =", "not valid TOML"),
    ],
)
def test_bad_mappings_name_the_key(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    with pytest.raises(MappingError, match=key.replace(".", r"\.")):
        load_mapping(path)


def test_extends_cycle_and_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(MappingError, match="cycle"):
        load_mapping(tmp_path / "a.toml")
    (tmp_path / "base.toml").write_text('extends = "zh-CN"\nunit = "万元"\n')
    (tmp_path / "child.toml").write_text('extends = "base.toml"\nkind = "incidents"\n')
    m = load_mapping(tmp_path / "child.toml")
    assert m.unit == Decimal(10_000) and m.kind == "incidents" and m.defaults["currency"] == "CNY"


def test_every_preset_column_targets_a_canonical_field(zh: Mapping) -> None:
    fields = {f for fs in KIND_FIELDS.values() for f in fs}
    assert set(zh.columns.values()) <= fields
