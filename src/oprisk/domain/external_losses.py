"""External losses (consortium or public data): the fields a source gives and their rules.

``external_loss_fact`` normalises one loss into an ``external_loss.recorded`` fact
(:mod:`oprisk.domain.scenarios`): Basel codes at level 1 (a level-2 code or label is kept beside
its level-1 parent), amounts exact, the reporting institution's size indicator and the source's
collection threshold in ``reference_currency``. Scaling by size and truncation at the threshold are
modelling steps, not storage: the facts keep what the source said.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from oprisk.domain.money import currency_code, to_decimal
from oprisk.domain.scenarios import ExternalLossRecorded
from oprisk.domain.taxonomy import business_line, event_type
from oprisk.errors import DomainError, InvalidMoneyError, ScenarioRuleError, invalid

FIELDS = (
    "external_id", "source", "occurred_on", "event_type", "business_line", "amount", "currency",
    "size_indicator", "threshold", "reference_currency", "institution", "description",
)  # fmt: skip
_MAX_KEY = 150


def external_loss_fact(fields: Mapping[str, Any]) -> ExternalLossRecorded:
    """Check one external loss and build its fact; raises naming the field, value and rule."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DomainError(invalid("fields", unknown, f"must be among {', '.join(FIELDS)}"))
    ext_id = _key(fields.get("external_id"), "external_id")
    source = _key(fields.get("source"), "source")
    et = event_type(_required(fields, "event_type"))
    bl_value = fields.get("business_line")
    bl = business_line(bl_value) if bl_value not in (None, "") else None
    currency = currency_code(_required(fields, "currency"))
    ref = fields.get("reference_currency")
    reference = currency_code(ref, "reference_currency") if ref not in (None, "") else currency
    amount = _amount(fields.get("amount"), "amount")
    if amount is None or amount <= 0:
        raise ScenarioRuleError(invalid("amount", fields.get("amount"), "must be > 0"),
                                "amount_positive")  # fmt: skip
    size = _amount(fields.get("size_indicator"), "size_indicator")
    if size is not None and size <= 0:
        raise ScenarioRuleError(invalid("size_indicator", str(size), "must be > 0"),
                                "size_indicator_positive")  # fmt: skip
    threshold = _amount(fields.get("threshold"), "threshold")
    if threshold is not None and threshold < 0:
        raise ScenarioRuleError(invalid("threshold", str(threshold), "must be ≥ 0"),
                                "threshold_non_negative")  # fmt: skip
    if threshold is not None and reference == currency and amount < threshold:
        raise ScenarioRuleError(
            invalid("amount", str(amount), f"must be ≥ the source's collection threshold "
                    f"{threshold} {reference} (a source does not report losses below it)"),
            "amount_above_threshold",
        )  # fmt: skip
    return ExternalLossRecorded(
        external_id=ext_id,
        source=source,
        occurred_on=_date(fields.get("occurred_on")),
        event_type=et.code if et.level == 1 else et.l1,
        event_type_l2=et.code if et.level == 2 else None,
        business_line=None if bl is None else (bl.code if bl.level == 1 else bl.l1),
        business_line_l2=None if bl is None or bl.level == 1 else bl.code,
        amount=amount,
        currency=currency,
        size_indicator=size,
        threshold=threshold,
        reference_currency=reference,
        institution=_text(fields.get("institution"), "institution"),
        description=_text(fields.get("description"), "description"),
    )


def _required(fields: Mapping[str, Any], name: str) -> Any:
    v = fields.get(name)
    if v is None or (isinstance(v, str) and not v.strip()):
        raise DomainError(invalid(name, v, "is required"))
    return v


def _key(value: Any, name: str) -> str:
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > _MAX_KEY or "\x00" in text:
        raise DomainError(invalid(name, value, f"must be non-blank text, ≤ {_MAX_KEY} characters"))
    return text


def _text(value: Any, name: str) -> str:
    text = "" if value is None else str(value).strip()
    if "\x00" in text:
        raise DomainError(invalid(name, value, "must not contain the NUL character"))
    return text


def _amount(value: Any, name: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value != value:
        return None
    try:
        return to_decimal(value, name, allow_negative=True)
    except InvalidMoneyError as exc:
        raise DomainError(str(exc)) from None


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise DomainError(
            invalid("occurred_on", value, "must be an ISO date (YYYY-MM-DD)")
        ) from None
