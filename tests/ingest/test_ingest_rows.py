"""Row models and per-row rules: taxonomy resolution, cross-field rules, pydantic models on their own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from ingest_support import TODAY
from pydantic import ValidationError

from oprisk.errors import MappingError
from oprisk.ingest.mapping import KIND_FIELDS, load_mapping
from oprisk.ingest.rejects import Reject
from oprisk.ingest.rows import FinancialRow, IncidentRow, MovementRow, RowValidator, validate_row

BASE = {
    "external_id": "E-1", "event_type": "ET2", "business_line": "BL3", "legal_entity": "Bank",
    "discovered_on": "2024-03-05", "currency": "EUR", "gross_loss": "100",
}  # fmt: skip


def check(**changes: str | None) -> IncidentRow | list[tuple[str | None, str]]:
    out = validate_row("incidents", 7, {**BASE, **changes}, today=TODAY)
    if isinstance(out, list):
        assert all(isinstance(r, Reject) and r.line == 7 for r in out)
        return [(r.field, r.reason) for r in out]
    return out


def test_models_have_the_canonical_columns() -> None:
    assert tuple(IncidentRow.model_fields) == KIND_FIELDS["incidents"]
    assert tuple(MovementRow.model_fields) == KIND_FIELDS["movements"]
    assert tuple(FinancialRow.model_fields) == KIND_FIELDS["financials"]


@pytest.mark.parametrize(
    ("event_type", "l2", "expected"),
    [
        ("External Fraud", None, ("ET2", None)),
        ("外部欺诈", "盗窃和欺诈", ("ET2", "ET2.1")),
        ("內部欺詐", "盜竊和欺詐", ("ET1", "ET1.2")),
        ("ET2.2", None, ("ET2", "ET2.2")),
        ("Systems Security", None, ("ET2", "ET2.2")),
        (None, "ET7.4", ("ET7", "ET7.4")),
    ],
)
def test_event_type_resolution(
    event_type: str | None, l2: str | None, expected: tuple[str, str | None]
) -> None:
    row = check(event_type=event_type, event_type_l2=l2)
    assert isinstance(row, IncidentRow), row
    assert (row.event_type, row.event_type_l2) == expected


@pytest.mark.parametrize(
    ("event_type", "l2", "field", "words"),
    [
        ("盗窃和欺诈", None, "event_type", "is ambiguous: ET1.2"),
        ("ET2", "ET1.1", "event_type_l2", "must be a level-2 type of ET2: ET2.1"),
        ("ET2.1", "ET2.2", "event_type_l2", "contradicts the event type column (ET2.1)"),
        ("Cyber", None, "event_type", "must be one of ET1"),
        (None, None, "event_type", "required"),
    ],
)
def test_event_type_problems(
    event_type: str | None, l2: str | None, field: str, words: str
) -> None:
    problems = check(event_type=event_type, event_type_l2=l2)
    assert isinstance(problems, list)
    assert any(f == field and words in why for f, why in problems), problems


def test_business_lines_and_causes() -> None:
    row = check(business_line="零售银行", business_line_l2="Card Services", cause="人员")
    assert isinstance(row, IncidentRow)
    assert (row.business_line, row.business_line_l2, row.cause) == ("BL3", "BL33", "people")
    assert check(business_line="BL4", business_line_l2="BL33") == [
        (
            "business_line_l2",
            "must be a level-2 type of BL4: BL41 Commercial Banking (level 2) (BL33 is under BL3)",
        )
    ]
    assert check(cause="weather")[0][0] == "cause"  # type: ignore[index]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"lei": "5493001KJTIIGC8Y1R13"}, "lei", "ISO 17442 check digits"),
        ({"lei": "SHORT"}, "lei", "must be a 20-character ISO 17442 LEI"),
        ({"root_external_id": "E-1"}, "root_external_id", "grouped under itself"),
        (
            {"occurred_on": "2024-03-06"},
            "discovered_on",
            "discovery before occurrence (2024-03-06)",
        ),
        ({"accounted_on": "2025-07-02"}, "accounted_on", "in the future"),
        ({"recovery_other": "101"}, "recovery_other", "recoveries above gross loss (101 > 100)"),
        ({"gross_loss": "1e30"}, "gross_loss", "implausibly large"),
        ({"currency": "XYZ"}, "currency", "ISO 4217"),
        ({"currency": None}, "currency", "required"),
        (
            {"gross_loss": "€100", "currency": "USD"},
            "gross_loss",
            "is in EUR but the row's currency is USD",
        ),
        (
            {"gross_loss": "€100", "recovery_other": "$5"},
            "recovery_other",
            "is in USD but gross_loss is in EUR",
        ),
    ],
)
def test_incident_rules(changes: dict[str, str | None], field: str, words: str) -> None:
    problems = check(**changes)
    assert isinstance(problems, list)
    assert any(f == field and words in why for f, why in problems), problems


def test_future_tolerance_and_gain_flag() -> None:
    assert isinstance(check(discovered_on="2025-07-01"), IncidentRow)  # today + 1 day
    row = check(recovery_insurance="150", gain="y")
    assert isinstance(row, IncidentRow) and row.gain


def test_models_enforce_the_same_rules_on_their_own() -> None:
    data = {
        **BASE,
        "discovered_on": date(2024, 3, 5),
        "occurred_on": date(2024, 4, 1),
        "gross_loss": Decimal(1),
    }
    with pytest.raises(ValidationError, match="discovery before occurrence"):
        IncidentRow.model_validate(data)
    with pytest.raises(ValidationError):
        IncidentRow.model_validate({**data, "occurred_on": None, "gross_loss": Decimal(-1)})
    assert IncidentRow.model_validate({**data, "occurred_on": None}).gross_loss == 1
    with pytest.raises(ValidationError, match="BL3 \\(retail\\) or BL4"):
        FinancialRow.model_validate(
            {
                "legal_entity": "A",
                "year": 2024,
                "item": "loans_and_advances",
                "amount": 1,
                "currency": "EUR",
            }
        )
    with pytest.raises(ValidationError, match="recoveries only"):
        MovementRow.model_validate({"external_id": "E", "line_id": "1", "kind": "loss", "amount": 1, "currency": "EUR",
                                    "accounted_on": date(2024, 1, 1), "received": False})  # fmt: skip


def test_rows_are_frozen() -> None:
    row = check()
    assert isinstance(row, IncidentRow)
    with pytest.raises(ValidationError):
        row.gross_loss = Decimal(0)  # type: ignore[misc]


def test_missing_required_columns_are_fatal_not_per_row() -> None:
    with pytest.raises(MappingError, match="no column for 'discovered_on'"):
        RowValidator(
            "incidents",
            load_mapping(),
            ["external_id", "event_type", "business_line", "legal_entity", "gross_loss"],
        )
    with pytest.raises(MappingError, match="kind"):
        RowValidator("losses", load_mapping(), [])


def test_defaults_fill_missing_columns(tmp_path: object) -> None:
    m = load_mapping("zh-CN")
    v = RowValidator(
        "incidents",
        m,
        ["事件编号", "损失事件类型", "业务条线", "法人机构", "发现日期", "损失金额"],
        today=TODAY,
    )
    result = v.validate(2, {"事件编号": "Z", "损失事件类型": "外部欺诈", "业务条线": "零售银行", "法人机构": "银行",
                            "发现日期": "2024年1月2日", "损失金额": "5"})  # fmt: skip
    assert result.row is not None and result.row.currency == "CNY"  # type: ignore[union-attr]


def test_duplicates_are_found_across_rows_even_when_the_first_was_rejected() -> None:
    v = RowValidator("incidents", load_mapping(), list(BASE), today=TODAY)
    first = v.validate(2, {**BASE, "gross_loss": "-1"})
    second = v.validate(3, BASE)
    assert first.row is None and second.row is None
    assert [(r.field, r.reason) for r in second.rejects] == [
        ("external_id", "duplicate external_id, first seen on line 2")
    ]
