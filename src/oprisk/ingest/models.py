"""The canonical row models of each kind of input and their cross-field rules.

- ``incidents``: one row per loss event as its source system sees it now (:class:`IncidentRow`);
- ``movements``: one row per ledger line of an event (:class:`MovementRow`);
- ``financials``: one figure per legal entity, year, item and business line (:class:`FinancialRow`).

The validator (:mod:`oprisk.ingest.validate`) parses cells itself and builds these frozen models
with the rules already checked; the same rules run as the models' validators when a model is
built from untrusted data with ``model_validate``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from oprisk.ingest.fields import KIND_FIELDS, KINDS

__all__ = [
    "FINANCIAL_ITEMS",
    "MODELS",
    "MOVEMENT_KINDS",
    "RULES",
    "ExternalRow",
    "FinancialRow",
    "IncidentRow",
    "MovementRow",
    "Row",
    "ScenarioRow",
    "lei_ok",
]

Kind = Literal["incidents", "movements", "financials", "scenarios", "external"]
MovementKind = Literal[
    "loss",
    "provision",
    "provision_release",
    "cost",
    "reversal",
    "recovery_insurance",
    "recovery_other",
]
FinancialItem = Literal[
    "gross_income", "loans_and_advances", "interest_income", "interest_expense",
    "interest_earning_assets", "dividend_income", "fee_income", "fee_expense",
    "other_operating_income", "other_operating_expense", "net_pnl_trading_book",
    "net_pnl_banking_book",
]  # fmt: skip
MOVEMENT_KINDS: tuple[str, ...] = MovementKind.__args__  # type: ignore[attr-defined]
FINANCIAL_ITEMS: tuple[str, ...] = FinancialItem.__args__  # type: ignore[attr-defined]
_SIGNED_ITEMS = frozenset({"gross_income", "net_pnl_trading_book", "net_pnl_banking_book"})
_BI_ITEMS = frozenset(FINANCIAL_ITEMS) - {"gross_income", "loans_and_advances"}

CHECKED: dict[str, bool] = {"rules_checked": True}  # context: the validator already ran the rules
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
NonNegative = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> _Row:
        if info.context is CHECKED:
            return self
        problems = RULES[type(self).__name__](self.__dict__)
        if problems:
            raise ValueError("; ".join(f"{f}: {why}" for f, why in problems))
        return self


class IncidentRow(_Row):
    """A loss event as its source system sees it now (codes resolved, amounts in ``currency``)."""

    external_id: Text
    title: str | None = None
    description: str | None = None
    event_type: Annotated[str, StringConstraints(pattern=r"^ET[1-7]$")]
    event_type_l2: Annotated[str, StringConstraints(pattern=r"^ET[1-7]\.[1-6]$")] | None = None
    cause: Literal["people", "process", "systems", "external"] | None = None
    business_line: Annotated[str, StringConstraints(pattern=r"^BL[1-9]$")]
    business_line_l2: Annotated[str, StringConstraints(pattern=r"^BL[1-8][1-4]$")] | None = None
    legal_entity: Text
    lei: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{18}[0-9]{2}$")] | None = None
    org_unit: str | None = None
    occurred_on: date | None = None
    discovered_on: date
    accounted_on: date | None = None
    currency: Currency
    gross_loss: NonNegative
    recovery_insurance: NonNegative = Decimal(0)
    recovery_other: NonNegative = Decimal(0)
    near_miss: bool = False
    gain: bool = False
    credit_boundary: bool = False
    market_boundary: bool = False
    legal: bool = False
    root_external_id: str | None = None
    deleted: bool = False
    exclusion_reference: str | None = None


class MovementRow(_Row):
    """One ledger line of a loss event: an impact (loss, provision …) or a recovery."""

    external_id: Text
    line_id: Text
    kind: MovementKind
    amount: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
    currency: Currency
    accounted_on: date
    received: bool = True


class FinancialRow(_Row):
    """One financial input of a legal entity for a year (gross income, loans and advances, BI items)."""

    legal_entity: Text
    year: int
    item: FinancialItem
    business_line: Annotated[str, StringConstraints(pattern=r"^BL[1-9]$")] | None = None
    amount: Annotated[Decimal, Field(allow_inf_nan=False)]
    currency: Currency


EventType = Annotated[str, StringConstraints(pattern=r"^ET[1-7]$")]
EventTypeL2 = Annotated[str, StringConstraints(pattern=r"^ET[1-7]\.[1-6]$")]
BusinessLine = Annotated[str, StringConstraints(pattern=r"^BL[1-9]$")]
BusinessLineL2 = Annotated[str, StringConstraints(pattern=r"^BL[1-8][1-4]$")]
Number = Annotated[Decimal, Field(allow_inf_nan=False)]


class ScenarioRow(_Row):
    """One severity point of a scenario, with the scenario's fields (the same on all its rows;
    blank after its first row is fine). The consistency rules are the domain's
    (:mod:`oprisk.domain.scenario_rules`), checked per scenario once all its rows are read."""

    scenario_id: Text
    event_type: EventType | None = None
    event_type_l2: EventTypeL2 | None = None
    business_line: BusinessLine | None = None
    business_line_l2: BusinessLineL2 | None = None
    title: str | None = None
    narrative: str | None = None
    workshop_on: date | None = None
    owner: str | None = None
    participants: str | None = None
    frequency: Number | None = None
    frequency_low: Number | None = None
    frequency_high: Number | None = None
    currency: Currency
    severity_label: str | None = None
    return_period: Number | None = None
    quantile: Number | None = None
    amount: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


class ExternalRow(_Row):
    """One external (consortium or public) loss; ``source`` defaults to the load's source."""

    external_id: Text
    source: str | None = None
    occurred_on: date
    event_type: EventType
    event_type_l2: EventTypeL2 | None = None
    business_line: BusinessLine | None = None
    business_line_l2: BusinessLineL2 | None = None
    amount: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
    currency: Currency
    size_indicator: Number | None = None
    threshold: Number | None = None
    reference_currency: Currency | None = None
    institution: str | None = None
    description: str | None = None


Row = IncidentRow | MovementRow | FinancialRow | ScenarioRow | ExternalRow
MODELS: dict[str, type[_Row]] = {
    "incidents": IncidentRow,
    "movements": MovementRow,
    "financials": FinancialRow,
    "scenarios": ScenarioRow,
    "external": ExternalRow,
}
assert all(tuple(MODELS[k].model_fields) == KIND_FIELDS[k] for k in KINDS)


# --- cross-field rules (shared by the validator and the models) ---------------------------------


def lei_ok(lei: str) -> bool:
    """ISO 17442 check digits: ISO 7064 MOD 97-10 over the 20 characters (letters A=10 … Z=35)."""
    return int("".join(str(int(ch, 36)) for ch in lei)) % 97 == 1


def _incident_rules(v: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    occurred, discovered = v.get("occurred_on"), v.get("discovered_on")
    if occurred is not None and discovered is not None and discovered < occurred:
        out.append(("discovered_on", f"discovery before occurrence ({occurred.isoformat()})"))
    gross = v.get("gross_loss")
    recovered = (v.get("recovery_insurance") or 0) + (v.get("recovery_other") or 0)
    if gross is not None and recovered > gross and not v.get("gain"):
        out.append(("recovery_insurance" if v.get("recovery_insurance") else "recovery_other",
                    f"recoveries above gross loss ({recovered} > {gross}); set the gain flag if intended"))  # fmt: skip
    lei = v.get("lei")
    if lei and LEI.match(lei) and not lei_ok(lei):
        out.append(("lei", "fails the ISO 17442 check digits"))
    root = v.get("root_external_id")
    if root and root == v.get("external_id"):
        out.append(("root_external_id", "an event cannot be grouped under itself"))
    return out


def _movement_rules(v: dict[str, Any]) -> list[tuple[str, str]]:
    if v.get("received") is False and v.get("kind") not in ("recovery_insurance", "recovery_other"):
        return [
            (
                "received",
                "applies to recoveries only (a receivable recovery); leave it blank or true",
            )
        ]
    return []


def _financial_rules(v: dict[str, Any]) -> list[tuple[str, str]]:
    item, bl, amount = v.get("item"), v.get("business_line"), v.get("amount")
    out: list[tuple[str, str]] = []
    if item == "loans_and_advances" and bl not in ("BL3", "BL4"):
        out.append(
            ("business_line", "loans and advances need BL3 (retail) or BL4 (commercial banking)")
        )
    elif item in _BI_ITEMS and bl is not None:
        out.append(("business_line", f"must be blank for the Basel III BI item {item}"))
    if item is not None and item not in _SIGNED_ITEMS and amount is not None and amount < 0:
        out.append(("amount", f"must be ≥ 0 for {item}"))
    return out


def _no_row_rules(v: dict[str, Any]) -> list[tuple[str, str]]:
    """Scenarios and external losses: the domain checks them (rules named) when they are planned."""
    return []


RULES: dict[str, Callable[[dict[str, Any]], list[tuple[str, str]]]] = {
    "IncidentRow": _incident_rules,
    "MovementRow": _movement_rules,
    "FinancialRow": _financial_rules,
    "ScenarioRow": _no_row_rules,
    "ExternalRow": _no_row_rules,
}

LEI = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
