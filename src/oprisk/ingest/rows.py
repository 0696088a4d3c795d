"""Canonical row models and their validation, and the read → map → validate pipeline.

Three kinds of input (``docs/ingest.md`` lists the columns):

- ``incidents``: one row per loss event as its source system sees it now (:class:`IncidentRow`);
- ``movements``: one row per ledger line of an event (:class:`MovementRow`);
- ``financials``: one figure per legal entity, year, item and business line (:class:`FinancialRow`).

:func:`read_rows` streams ``(line, row | None, rejects, record)`` from a file; each record of the
file gives exactly one result, so ``records = valid rows + rejected rows``. Every problem of a row
is collected (not only the first) as a :class:`~oprisk.ingest.rejects.Reject` naming the field, the
raw value and the rule. Validation parses cells itself (cheap, cached where values repeat) and
then builds the frozen pydantic model with ``model_construct``; the same rules run as the models'
validators when a model is built from untrusted data with ``model_validate``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from oprisk.domain.taxonomy import BUSINESS_LINES, EVENT_TYPES, cause, normalise
from oprisk.errors import MappingError, UnknownTaxonomyError
from oprisk.ingest.mapping import KIND_FIELDS, KINDS, ColumnPlan, Invalid, Mapping, load_mapping
from oprisk.ingest.readers import JsonlReader, RecordReader, open_records
from oprisk.ingest.rejects import Reject

__all__ = [
    "FINANCIAL_ITEMS",
    "MOVEMENT_KINDS",
    "FinancialRow",
    "IncidentRow",
    "MovementRow",
    "Row",
    "RowResult",
    "RowStream",
    "RowValidator",
    "read_rows",
    "validate_row",
]

Kind = Literal["incidents", "movements", "financials"]
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

_CHECKED: dict[str, bool] = {"rules_checked": True}  # context: the validator already ran the rules
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
NonNegative = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> _Row:
        if info.context is _CHECKED:
            return self
        problems = _RULES[type(self).__name__](self.__dict__)
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


Row = IncidentRow | MovementRow | FinancialRow
_MODELS: dict[str, type[_Row]] = {
    "incidents": IncidentRow,
    "movements": MovementRow,
    "financials": FinancialRow,
}
assert all(tuple(_MODELS[k].model_fields) == KIND_FIELDS[k] for k in KINDS)


# --- cross-field rules (shared by the validator and the models) ---------------------------------


def _lei_ok(lei: str) -> bool:
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
    if lei and _LEI.match(lei) and not _lei_ok(lei):
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


_RULES: dict[str, Callable[[dict[str, Any]], list[tuple[str, str]]]] = {
    "IncidentRow": _incident_rules,
    "MovementRow": _movement_rules,
    "FinancialRow": _financial_rules,
}


# --- taxonomy (cached: a file repeats the same few labels) --------------------------------------


def _abbreviated(kind: str) -> str:
    tax = EVENT_TYPES if kind == "event_type" else BUSINESS_LINES
    top = ", ".join(f"{c.code} {c.name}/{c.name_zh}" for c in tax.level(1, basel_only=False))
    return f"must be one of {top} (a code or an English or Chinese label, or a level-2 type)"


@lru_cache(maxsize=4096)
def _taxonomy(
    kind: str, l1: str | None, l2: str | None
) -> tuple[str | None, str | None, tuple[tuple[str, str], ...]]:
    """Resolve a level-1 and level-2 pair of cells to (L1 code, L2 code, problems)."""
    tax = EVENT_TYPES if kind == "event_type" else BUSINESS_LINES
    f1, f2 = kind, f"{kind}_l2"
    code1 = code2 = None
    problems: list[tuple[str, str]] = []
    if l1 is not None:
        try:
            cat = tax.get(l1)
            code1, code2 = (cat.parent, cat.code) if cat.level == 2 else (cat.code, None)
        except UnknownTaxonomyError as exc:
            if exc.value is not None and "ambiguous" in str(exc) and l2 is None:
                problems.append(
                    (
                        f1,
                        "is ambiguous: "
                        + ", ".join(exc.valid)
                        + f"; give the level-1 {kind.replace('_', ' ')}",
                    )
                )
            elif "ambiguous" not in str(exc):
                problems.append((f1, _abbreviated(kind)))
    if l2 is not None:
        try:
            cat2 = tax.get(l2, 2, code1)
        except UnknownTaxonomyError as exc:
            parent_children = tax.children(code1) if code1 else []
            if parent_children:
                valid = ", ".join(f"{c.code} {c.name}" for c in parent_children)
                problems.append((f2, f"must be a level-2 type of {code1}: {valid}"))
            else:
                problems.append((f2, ("is ambiguous: " + ", ".join(exc.valid)) if "ambiguous" in str(exc)
                                 else "must be a level-2 code or label, e.g. " + ", ".join(tax.codes(2)[:6]) + " …"))  # fmt: skip
        else:
            if code1 is not None and cat2.parent != code1:
                valid = ", ".join(f"{c.code} {c.name}" for c in tax.children(code1))
                problems.append(
                    (
                        f2,
                        f"must be a level-2 type of {code1}: {valid} ({cat2.code} is under {cat2.parent})",
                    )
                )
            elif code2 is not None and code2 != cat2.code:
                problems.append((f2, f"contradicts the {kind.replace('_', ' ')} column ({code2})"))
            else:
                code1, code2 = cat2.parent, cat2.code
    if l1 is not None and code1 is None and l2 is not None and not problems:
        problems.append((f1, _abbreviated(kind)))
    return code1, code2, tuple(problems)


@lru_cache(maxsize=256)
def _cause(raw: str) -> str:
    try:
        return cause(raw).code
    except UnknownTaxonomyError:
        raise Invalid(
            "must be one of people/人员, process/流程, systems/系统, external/外部事件"
        ) from None


def _enum(choices: tuple[str, ...]) -> Callable[[str], str]:
    table = {normalise(c): c for c in choices}
    rule = "must be one of " + ", ".join(choices)

    @lru_cache(maxsize=256)
    def parse(raw: str) -> str:
        try:
            return table[normalise(raw)]
        except KeyError:
            raise Invalid(rule) from None

    return parse


_KIND = _enum(MOVEMENT_KINDS)
_ITEM = _enum(FINANCIAL_ITEMS)


def _year(raw: str) -> int:
    s = raw.strip().removesuffix("年").removesuffix(".0")
    if not (s.isdigit() and len(s) == 4):
        raise Invalid("must be a four-digit year")
    return int(s)


_LEI = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")


def _lei(raw: str) -> str:
    lei = raw.strip().upper()
    if not _LEI.match(lei):
        raise Invalid(
            "must be a 20-character ISO 17442 LEI (18 letters or digits and 2 check digits)"
        )
    if not _lei_ok(lei):
        raise Invalid("fails the ISO 17442 check digits")
    return lei


def _text(raw: str) -> str:
    return raw.strip()


# --- the validator -------------------------------------------------------------------------------

_REQUIRED = {
    "incidents": (
        "external_id",
        "event_type",
        "business_line",
        "legal_entity",
        "discovered_on",
        "currency",
        "gross_loss",
    ),
    "movements": ("external_id", "line_id", "kind", "amount", "currency", "accounted_on"),
    "financials": ("legal_entity", "year", "item", "amount", "currency"),
}
_TAXONOMY_FIELDS = frozenset({"event_type", "event_type_l2", "business_line", "business_line_l2"})
_BOOL_FIELDS = frozenset(
    {"near_miss", "gain", "credit_boundary", "market_boundary", "legal", "deleted", "received"}
)
_DATE_FIELDS = frozenset({"occurred_on", "discovered_on", "accounted_on"})
_TOO_LARGE = Decimal(10) ** 18
_NONE: frozenset[str | None] = frozenset()
_AMOUNT_FIELDS = frozenset({"gross_loss", "recovery_insurance", "recovery_other", "amount"})


class RowResult(NamedTuple):
    """One record's outcome: its line, the row (``None`` if rejected), its rejects, the original cells."""

    line: int
    row: Row | None
    rejects: list[Reject]
    record: dict[str, str | None]


class RowValidator:
    """Validate the records of one file: per-row rules plus duplicate ids across the file.

    ``columns`` are the file's headers. A column the kind needs that the file lacks (and the
    mapping does not default) is fatal (:class:`~oprisk.errors.MappingError`), not a reject per
    row. Memory grows with the number of distinct ids (to find duplicates), nothing else.
    """

    def __init__(self, kind: str, mapping: Mapping, columns: list[str], *, today: date | None = None,
                 strict_columns: bool = True) -> None:  # fmt: skip
        if kind not in KINDS:
            raise MappingError(
                f"invalid value {kind!r} for 'kind': must be one of {', '.join(KINDS)}"
            )
        self.kind, self.mapping = kind, mapping
        self.model = _MODELS[kind]
        self.latest = (today or date.today()) + timedelta(days=mapping.future_tolerance_days)
        self._seen: dict[Any, int] = {}
        self._required = frozenset(_REQUIRED[kind])
        self._rules = _RULES[self.model.__name__]
        self._columns = list(columns)
        self._compile()
        if strict_columns:
            self._check_columns()

    def _compile(self) -> None:
        kind, mapping = self.kind, self.mapping
        self.plan: ColumnPlan = mapping.plan(self._columns, kind)
        self._header_field = {h: f for f, h in self.plan.sources.items()}
        fields = [f for f in KIND_FIELDS[kind] if f not in _TAXONOMY_FIELDS]
        self._specs = [
            self._spec(f) for f in fields if f in self.plan.sources or f in mapping.defaults
        ]
        self._absent = [f for f in fields if f in self._required and f != "currency"
                        and f not in self.plan.sources and f not in mapping.defaults]  # fmt: skip
        self._taxonomy_pairs = [
            (t, self.plan.sources.get(t), self.plan.sources.get(f"{t}_l2"), f"{t}_l2" in KIND_FIELDS[kind])
            for t in ("event_type", "business_line") if t in KIND_FIELDS[kind]
        ]  # fmt: skip

    def add_columns(self, columns: list[str]) -> None:
        """Learn headers that appear mid-file (JSON Lines objects need not share keys)."""
        new = [c for c in columns if c not in self._columns]
        if new:
            self._columns.extend(new)
            self._compile()

    def _check_columns(self) -> None:
        have = set(self.plan.sources) | set(self.mapping.defaults)
        missing = []
        for f in _REQUIRED[self.kind]:
            alternatives = {f, f"{f}_l2"} if f in ("event_type", "business_line") else {f}
            if f == "currency":
                continue  # a symbol in the amount, the header or a default can supply it per row
            if not alternatives & have:
                missing.append(f)
        if missing:
            raise MappingError(
                f"the file has no column for {', '.join(map(repr, missing))} (kind {self.kind!r}); "
                f"its headers: {', '.join(map(repr, self._header_field)) or '—'} and unmapped "
                f"{', '.join(map(repr, self.plan.unmapped)) or '—'}; map them in [columns] or set [defaults]"
            )

    def _spec(self, name: str) -> tuple[str, str | None, str | None, Callable[[str], Any], int]:
        """(field, source header, default, parser, how): how 0 = text, 1 = parsed, 2 = amount, 3 = date."""
        m = self.mapping
        parse: Callable[[str], Any]
        how = 1
        if name in _DATE_FIELDS:
            parse, how = m.parse_date, 3
        elif name in _BOOL_FIELDS:
            parse = m.parse_bool
        elif name in _AMOUNT_FIELDS:
            parse, how = self._amount_parser(name), 2
        elif name == "currency":
            parse = m.parse_currency
        elif name == "cause":
            parse = _cause
        elif name == "kind":
            parse = _KIND
        elif name == "item":
            parse = _ITEM
        elif name == "year":
            parse = _year
        elif name == "lei":
            parse = _lei
        else:
            parse, how = _text, 0
        if name in m.values:
            inner, how = parse, (1 if how == 0 else how)

            def parse(raw: str, _f: str = name, _inner: Callable[[str], Any] = inner) -> Any:
                return _inner(m.map_value(_f, raw))

        return name, self.plan.sources.get(name), m.defaults.get(name), parse, how

    def _amount_parser(self, name: str) -> Callable[[str], tuple[Decimal, str | None]]:
        m = self.mapping
        column_unit = m.units.get(name) or self.plan.units.get(name) or m.unit
        column_currency = self.plan.currencies.get(name)

        def parse(raw: str) -> tuple[Decimal, str | None]:
            value, currency, unit = m.parse_amount(raw)
            if not value.is_finite():
                raise Invalid("must be a finite number")
            if abs(value) >= _TOO_LARGE:
                raise Invalid("is implausibly large (≥ 10^18)")
            if unit is not None and column_unit is not None and unit != column_unit:
                raise Invalid(
                    f"states its own unit (×{unit}) in a column already in ×{column_unit}"
                )
            factor = unit or column_unit
            if factor is not None and factor != 1:
                value = value * factor
            if column_currency and currency and currency != column_currency:
                raise Invalid(f"is in {currency} but the column is in {column_currency}")
            return value, currency or column_currency

        return parse

    # --- per row -------------------------------------------------------------------------------

    def validate(
        self, line: int, record: dict[str, str | None], problems: tuple[Reject, ...] = ()
    ) -> RowResult:
        """Validate one record (with its reader-level problems); duplicates are checked across calls."""
        rejects: list[Reject] = []
        for problem in problems:
            translated = self._translate(problem)
            if translated is not None:
                rejects.append(translated)
        values: dict[str, Any] = {}
        amount_currency: str | None = None
        amount_currency_field = ""
        required = self._required
        for name in self._absent:
            rejects.append(Reject(line, name, None, "required"))
        bad = {r.field for r in rejects} if rejects else _NONE
        for name, header, default, parse, how in self._specs:
            if name in bad:
                continue  # the reader already refused this cell
            text = record.get(header) if header is not None else None
            if not text or text.isspace():
                if default is None:
                    if name in required and name != "currency":
                        rejects.append(Reject(line, name, text, "required", header))
                    continue
                text = default
            if how == 0:
                values[name] = text.strip()
                continue
            try:
                value = parse(text)
            except Invalid as exc:
                rejects.append(Reject(line, name, text, exc.args[0], header))
                continue
            if how == 2:
                value, cur = value
                if cur is not None:
                    if amount_currency is not None and cur != amount_currency:
                        why = f"is in {cur} but {amount_currency_field} is in {amount_currency}"
                        rejects.append(Reject(line, name, text, why, header))
                    amount_currency, amount_currency_field = cur, name
                if self.kind != "financials" and (value < 0 or (value == 0 and name == "amount")):
                    why = "must be > 0" if name == "amount" else "must be ≥ 0"
                    rejects.append(Reject(line, name, text, why, header))
                    continue
            elif how == 3 and value > self.latest:
                rejects.append(Reject(line, name, text, "is in the future", header))
                continue
            values[name] = value
        self._currency(line, values, amount_currency, amount_currency_field, rejects, record)
        for kind, h1, h2, has_l2 in self._taxonomy_pairs:
            if kind in bad or f"{kind}_l2" in bad:
                continue
            self._resolve(line, kind, h1, h2, has_l2, record, values, rejects)
        if self.kind == "financials" and "year" in values and values["year"] > self.latest.year:
            rejects.append(
                Reject(
                    line,
                    "year",
                    self._raw("year", record),
                    "is in the future",
                    self.plan.sources.get("year"),
                )
            )
        failed = {r.field for r in rejects}
        for name, why in self._rules(values):
            if name not in failed:
                rejects.append(
                    Reject(line, name, self._raw(name, record), why, self.plan.sources.get(name))
                )
        self._duplicate(line, values, record, rejects)
        if rejects:
            return RowResult(line, None, rejects, record)
        try:  # pydantic re-checks the types and constraints of the parsed values (cheap, in Rust)
            row = self.model.model_validate(values, context=_CHECKED)
        except ValidationError as exc:  # a parser let something through: a reject, not a crash
            for err in exc.errors():
                where = str(err["loc"][0]) if err["loc"] else None
                key = where or ""
                cell = self._raw(key, record)
                rejects.append(Reject(line, where, cell, err["msg"], self.plan.sources.get(key)))
            return RowResult(line, None, rejects, record)
        return RowResult(line, row, rejects, record)  # type: ignore[arg-type]

    def _translate(self, problem: Reject) -> Reject | None:
        """A reader problem about a source column → about its field; ``None`` if the column is unused."""
        if problem.field is None:
            return problem
        name = self._header_field.get(problem.field)
        if name is None:
            return None
        return Reject(problem.line, name, problem.value, problem.reason, problem.field)

    def _currency(self, line: int, values: dict[str, Any], from_amount: str | None, amount_field: str,
                  rejects: list[Reject], record: dict[str, str | None]) -> None:  # fmt: skip
        header = self.plan.sources.get("currency")
        if "currency" in values:
            if from_amount is not None and from_amount != values["currency"]:
                rejects.append(Reject(line, amount_field, self._raw(amount_field, record), f"is in {from_amount} but the row's currency is {values['currency']}",
                                      self.plan.sources.get(amount_field)))  # fmt: skip
        elif from_amount is not None:
            values["currency"] = from_amount
        elif not any(r.field == "currency" for r in rejects):
            rejects.append(
                Reject(
                    line,
                    "currency",
                    None,
                    "required (no currency column value, symbol or default)",
                    header,
                )
            )

    def _resolve(self, line: int, kind: str, h1: str | None, h2: str | None, has_l2: bool,
                 record: dict[str, str | None], values: dict[str, Any], rejects: list[Reject]) -> None:  # fmt: skip
        m = self.mapping
        raw1 = record.get(h1) if h1 else None
        raw2 = record.get(h2) if h2 and has_l2 else None
        raw1 = raw1 if raw1 is not None and raw1.strip() else m.defaults.get(kind)
        raw2 = (
            raw2
            if raw2 is not None and raw2.strip()
            else (m.defaults.get(f"{kind}_l2") if has_l2 else None)
        )
        if raw1 is None and raw2 is None:
            if kind in self._required:
                rejects.append(Reject(line, kind, None, "required", h1))
            return
        v1 = m.map_value(kind, raw1) if raw1 is not None else None
        v2 = m.map_value(f"{kind}_l2", raw2) if raw2 is not None else None
        code1, code2, problems = _taxonomy(kind, v1, v2)
        for name, why in problems:
            rejects.append(
                Reject(line, name, raw1 if name == kind else raw2, why, h1 if name == kind else h2)
            )
        if not problems:
            values[kind] = code1
            if has_l2 and code2 is not None:
                values[f"{kind}_l2"] = code2
            elif not has_l2 and code2 is not None:  # financials take level 1 only
                values[kind] = code1

    def _raw(self, name: str, record: dict[str, str | None]) -> str | None:
        """The raw text a field came from (its cell, else its default)."""
        header = self.plan.sources.get(name)
        text = record.get(header) if header is not None else None
        return text if text and not text.isspace() else self.mapping.defaults.get(name, text)

    def _duplicate(
        self,
        line: int,
        values: dict[str, Any],
        record: dict[str, str | None],
        rejects: list[Reject],
    ) -> None:
        if self.kind == "incidents":
            name, key = "external_id", values.get("external_id")
        elif self.kind == "movements":
            name, key = "line_id", values.get("line_id")
        else:
            name = "item"
            parts = tuple(values.get(f) for f in ("legal_entity", "year", "item"))
            key = None if None in parts else (*parts, values.get("business_line"))
        if key is None:
            return
        first = self._seen.setdefault(key, line)
        if first != line:
            what = (
                name if self.kind != "financials" else "legal_entity, year, item and business_line"
            )
            rejects.append(Reject(line, name, self._raw(name, record), f"duplicate {what}, first seen on line {first}",
                                  self.plan.sources.get(name)))  # fmt: skip


def validate_row(kind: str, line: int, record: dict[str, str | None], mapping: Mapping | None = None,
                 *, today: date | None = None) -> Row | list[Reject]:  # fmt: skip
    """Validate one record on its own (no duplicate check): the row, or every problem found."""
    m = mapping or load_mapping("canonical")
    validator = RowValidator(kind, m, list(record), today=today, strict_columns=False)
    result = validator.validate(line, record)
    return result.row if result.row is not None else result.rejects


# --- the pipeline ---------------------------------------------------------------------------------


class RowStream:
    """``read_rows``'s result: iterate for :class:`RowResult` s; ``columns`` and ``plan`` describe the file."""

    def __init__(self, reader: RecordReader, validator: RowValidator) -> None:
        self.reader, self.validator = reader, validator
        self.path, self.columns, self.plan = reader.path, reader.columns, validator.plan
        self.kind = validator.kind
        self._it = self._iter()

    def _iter(self) -> Iterator[RowResult]:
        validator = self.validator
        known = set(self.columns)
        dynamic = isinstance(self.reader, JsonlReader)
        with self.reader:
            for line, values, problems in self.reader:
                if problems and any(p.field is None for p in problems) and "_raw" in values:
                    # the record could not be parsed at all
                    yield RowResult(line, None, list(problems), values)
                    continue
                if dynamic and not known.issuperset(values):
                    known.update(values)
                    validator.add_columns(list(values))
                yield validator.validate(line, values, problems)

    def __iter__(self) -> Iterator[RowResult]:
        return self

    def __next__(self) -> RowResult:
        return next(self._it)

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> RowStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_rows(
    path: str | os.PathLike[str],
    kind: str | None = None,
    mapping: Mapping | str | os.PathLike[str] | None = None,
    *,
    sheet: str | int | None = None,
    today: date | None = None,
) -> RowStream:
    """Read → map → validate a file, streaming one :class:`RowResult` per record.

    ``kind`` defaults to the mapping's ``kind``; ``mapping`` is a :class:`Mapping`, a preset name
    or a TOML path (default ``canonical``). Fatal problems (unreadable file, missing columns)
    raise :class:`~oprisk.errors.IngestionError` here, before any row is yielded.
    """
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    kind = kind or m.kind
    if kind is None:
        raise MappingError(
            f"no kind given and mapping {m.name!r} sets none: use one of {', '.join(KINDS)}"
        )
    reader = open_records(
        path,
        sheet=sheet if sheet is not None else m.sheet,
        encoding=m.encoding,
        delimiter=m.delimiter,
        header_row=m.header_row,
        is_header=m.is_known_header,
        merged_cells=m.merged_cells,
    )
    try:
        validator = RowValidator(kind, m, reader.columns, today=today)
    except BaseException:
        reader.close()
        raise
    return RowStream(reader, validator)
