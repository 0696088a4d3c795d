"""The row validator: one file's records → canonical rows, or every problem of each record.

Every problem of a row is collected (not only the first) as a
:class:`~oprisk.ingest.rejects.Reject` naming the field, the raw value and the rule. Validation
parses cells itself (cheap, cached where values repeat) and then builds the frozen pydantic model
(:mod:`oprisk.ingest.models`) with the rules already checked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, NamedTuple

from pydantic import ValidationError

from oprisk.errors import MappingError
from oprisk.ingest.amount_rules import amount_parser, minor_unit_problem
from oprisk.ingest.columns import ColumnPlan
from oprisk.ingest.fields import (
    AMOUNT_FIELDS,
    BOOL_FIELDS,
    DATE_FIELDS,
    KIND_FIELDS,
    KINDS,
    MAX_LABEL,
    NUMBER_FIELDS,
    REQUIRED,
    TAXONOMY_FIELDS,
    Invalid,
)
from oprisk.ingest.mapping import load_mapping
from oprisk.ingest.models import CHECKED, MODELS, RULES, Row
from oprisk.ingest.parsers import (
    known_taxonomy,
    parse_cause,
    parse_item,
    parse_kind,
    parse_lei,
    parse_text,
    parse_year,
    resolve_taxonomy,
)
from oprisk.ingest.rejects import Reject
from oprisk.ingest.settings import Mapping
from oprisk.ingest.spill import SpillingDict
from oprisk.ingest.text_rules import clean_text, id_problem, text_problem

__all__ = ["RowResult", "RowValidator", "validate_row"]

_NONE: frozenset[str | None] = frozenset()


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
    ``number_hint`` is added to a "not a number" message (how the file's numbers were read).
    """

    def __init__(self, kind: str, mapping: Mapping, columns: list[str], *, today: date | None = None,
                 strict_columns: bool = True, number_hint: str = "",
                 ignore_headers: frozenset[str] = frozenset()) -> None:  # fmt: skip
        if kind not in KINDS:
            raise MappingError(
                f"invalid value {kind!r} for 'kind': must be one of {', '.join(KINDS)}"
            )
        self.kind, self.mapping = kind, mapping
        self.model = MODELS[kind]
        self.latest = (today or date.today()) + timedelta(days=mapping.future_tolerance_days)
        self._seen = SpillingDict()  # id → the line it was first seen on
        self._required = frozenset(REQUIRED[kind])
        self._number_hint, self._ignore_headers = number_hint, ignore_headers
        self._rules = RULES[self.model.__name__]
        self._columns = list(columns)
        self._compile()
        if strict_columns:
            self._check_columns()

    def _compile(self) -> None:
        kind, mapping = self.kind, self.mapping
        self.plan: ColumnPlan = mapping.plan(self._columns, kind, self._ignore_headers)
        self._header_field = {h: f for f, h in self.plan.sources.items()}
        fields = [f for f in KIND_FIELDS[kind] if f not in TAXONOMY_FIELDS]
        self._specs = [
            self._spec(f) for f in fields if f in self.plan.sources or f in mapping.defaults
        ]
        self._amount_fields = [f for f in fields if f in AMOUNT_FIELDS]
        self._absent = [f for f in fields if f in self._required and f != "currency"
                        and f not in self.plan.sources and f not in mapping.defaults]  # fmt: skip
        self._taxonomy_pairs = [
            (t, self.plan.sources.get(t), self.plan.sources.get(f"{t}_l2"), f"{t}_l2" in KIND_FIELDS[kind])
            for t in ("event_type", "business_line") if t in KIND_FIELDS[kind]
        ]  # fmt: skip

    def add_columns(self, columns: list[str]) -> None:
        """Learn headers that appear mid-file (JSON Lines objects need not share keys); a
        :class:`~oprisk.errors.MappingError` (two keys for one field) leaves the columns as they were."""
        new = [c for c in columns if c not in self._columns]
        if new:
            before = list(self._columns)
            self._columns.extend(new)
            try:
                self._compile()
            except MappingError:
                self._columns = before
                self._compile()
                raise

    def _check_columns(self) -> None:
        have = set(self.plan.sources) | set(self.mapping.defaults)
        missing = []
        for f in REQUIRED[self.kind]:
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
        """(field, source header, default, parser, how): how 0 = text, 1 = parsed, 2 = amount,
        3 = date, 4 = text through a value map."""
        m = self.mapping
        parse: Callable[[str], Any]
        how = 1
        if name in DATE_FIELDS:
            parse, how = m.parse_date, 3
        elif name in BOOL_FIELDS:
            parse = m.parse_bool
        elif name in AMOUNT_FIELDS:
            unit = m.units.get(name) or self.plan.units.get(name) or m.unit
            currency = self.plan.currencies.get(name)
            parse, how = amount_parser(m, unit, currency, self._number_hint), 2
        elif name in NUMBER_FIELDS:
            amount = amount_parser(m, None, None, self._number_hint)

            def parse(raw: str, _amount: Callable[[str], Any] = amount) -> Any:
                return _amount(raw)[0]
        elif name in ("currency", "reference_currency"):
            parse = m.parse_currency
        elif name == "cause":
            parse = parse_cause
        elif name == "kind":
            parse = parse_kind
        elif name == "item":
            parse = parse_item
        elif name == "year":
            parse = parse_year
        elif name == "lei":
            parse = parse_lei
        else:
            parse, how = parse_text, 0
        if name in m.values:
            inner, how = parse, (4 if how == 0 else how)

            def parse(raw: str, _f: str = name, _inner: Callable[[str], Any] = inner) -> Any:
                return _inner(m.map_value(_f, raw))

        return name, self.plan.sources.get(name), m.defaults.get(name), parse, how

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
            if how == 0 or how == 4:
                value = clean_text(parse(text) if how == 4 else text)
                if not value:  # only invisible characters
                    if name in required:
                        rejects.append(Reject(line, name, text, "required", header))
                    continue
                why = text_problem(value) or id_problem(name, value)
                if why is not None:
                    rejects.append(Reject(line, name, text[:200], why, header))
                    continue
                values[name] = value
                continue
            if how != 2 and len(text) > MAX_LABEL:  # no code, flag or date is this long
                why = f"is {len(text):,} characters long, too long for this column"
                rejects.append(Reject(line, name, text[:200], why, header))
                continue
            try:
                value = parse(text)
            except Invalid as exc:
                rejects.append(Reject(line, name, text[:200], exc.args[0], header))
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
        currency = values.get("currency")
        if currency is not None:
            for name in [f for f in self._amount_fields if f in values]:
                why = minor_unit_problem(values[name], currency)
                if why is not None:
                    raw = self._raw(name, record)
                    rejects.append(Reject(line, name, raw, why, self.plan.sources.get(name)))
                    del values[name]
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
            row = self.model.model_validate(values, context=CHECKED)
        except ValidationError as exc:  # a parser let something through: a reject, not a crash
            for err in exc.errors():
                where = str(err["loc"][0]) if err["loc"] else None
                key = where or ""
                cell = self._raw(key, record)
                rejects.append(Reject(line, where, cell, err["msg"], self.plan.sources.get(key)))
            return RowResult(line, None, rejects, record)
        return RowResult(line, row, rejects, record)  # type: ignore[arg-type]

    def close(self) -> None:
        """Release the duplicate check's temporary file, if it needed one."""
        self._seen.close()

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
        short = (v1 is None or len(v1) <= MAX_LABEL) and (v2 is None or len(v2) <= MAX_LABEL)
        code1, code2, problems = (known_taxonomy if short else resolve_taxonomy)(kind, v1, v2)
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
        elif self.kind == "external":
            name, ext = "external_id", values.get("external_id")
            key = None if ext is None else f"{values.get('source') or ''}\x1f{ext}"
        elif self.kind == "scenarios":
            name = "amount"
            sid, rp, q = (values.get(f) for f in ("scenario_id", "return_period", "quantile"))
            key = None if sid is None else f"{sid}\x1f{rp}\x1f{q}"
        elif self.kind == "movements":
            name, key = "line_id", values.get("line_id")
        else:
            name = "item"
            parts = tuple(values.get(f) for f in ("legal_entity", "year", "item"))
            key = (
                None
                if None in parts
                else "\x1f".join(map(str, (*parts, values.get("business_line"))))
            )
        if key is None:
            return
        first = self._seen.setdefault(key, line)
        if first != line:
            what = {
                "financials": "legal_entity, year, item and business_line",
                "scenarios": "severity point (scenario_id, return_period, quantile)",
            }.get(self.kind, name)
            rejects.append(Reject(line, name, self._raw(name, record), f"duplicate {what}, first seen on line {first}",
                                  self.plan.sources.get(name)))  # fmt: skip


def validate_row(kind: str, line: int, record: dict[str, str | None], mapping: Mapping | None = None,
                 *, today: date | None = None) -> Row | list[Reject]:  # fmt: skip
    """Validate one record on its own (no duplicate check): the row, or every problem found."""
    m = mapping or load_mapping("canonical")
    validator = RowValidator(kind, m, list(record), today=today, strict_columns=False)
    result = validator.validate(line, record)
    return result.row if result.row is not None else result.rejects
