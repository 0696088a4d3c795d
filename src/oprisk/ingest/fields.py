"""The canonical columns of each kind of input, and how headers and labels are folded to match them."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from oprisk.domain.taxonomy import normalise

T = TypeVar("T")
#: the longest cell a cached parser looks at: no date, currency, flag or label is longer, and
#: caching longer cells would let a file of distinct huge cells fill memory
MAX_LABEL = 200

__all__ = [
    "ALL_FIELDS",
    "AMOUNT_FIELDS",
    "BOOL_FIELDS",
    "DATE_FIELDS",
    "KINDS",
    "KIND_FALLBACK",
    "KIND_FIELDS",
    "NUMBER_FIELDS",
    "REQUIRED",
    "TAXONOMY_FIELDS",
    "Invalid",
    "cached_parser",
    "fold",
    "header_key",
]

KINDS = ("incidents", "movements", "financials", "scenarios", "external")

#: The canonical columns of each kind (the row models in :mod:`oprisk.ingest.models` have these fields).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "incidents": (
        "external_id", "title", "description", "event_type", "event_type_l2", "cause",
        "business_line", "business_line_l2", "legal_entity", "lei", "org_unit", "occurred_on",
        "discovered_on", "accounted_on", "currency", "gross_loss", "recovery_insurance",
        "recovery_other", "near_miss", "gain", "credit_boundary", "market_boundary", "legal",
        "root_external_id", "deleted", "exclusion_reference",
    ),
    "movements": ("external_id", "line_id", "kind", "amount", "currency", "accounted_on", "received"),
    "financials": ("legal_entity", "year", "item", "business_line", "amount", "currency"),
    # one row per severity point; the scenario's own fields repeat on its rows (or stay blank
    # after the first)
    "scenarios": (
        "scenario_id", "event_type", "event_type_l2", "business_line", "business_line_l2",
        "title", "narrative", "workshop_on", "owner", "participants", "frequency",
        "frequency_low", "frequency_high", "currency", "severity_label", "return_period",
        "quantile", "amount",
    ),
    "external": (
        "external_id", "source", "occurred_on", "event_type", "event_type_l2", "business_line",
        "business_line_l2", "amount", "currency", "size_indicator", "threshold",
        "reference_currency", "institution", "description",
    ),
}  # fmt: skip
ALL_FIELDS = frozenset(f for fields in KIND_FIELDS.values() for f in fields)
AMOUNT_FIELDS = frozenset({"gross_loss", "recovery_insurance", "recovery_other", "amount"})
DATE_FIELDS = frozenset({"occurred_on", "discovered_on", "accounted_on", "workshop_on"})
#: plain numbers (no currency, no unit; any sign: the domain's rules name what is wrong)
NUMBER_FIELDS = frozenset(
    {"frequency", "frequency_low", "frequency_high", "return_period", "quantile",
     "size_indicator", "threshold"}
)  # fmt: skip
BOOL_FIELDS = frozenset(
    {"near_miss", "gain", "credit_boundary", "market_boundary", "legal", "deleted", "received"}
)
TAXONOMY_FIELDS = frozenset({"event_type", "event_type_l2", "business_line", "business_line_l2"})
#: the columns a file of each kind must have (or the mapping default)
REQUIRED: dict[str, tuple[str, ...]] = {
    "incidents": ("external_id", "event_type", "business_line", "legal_entity", "discovered_on",
                  "currency", "gross_loss"),
    "movements": ("external_id", "line_id", "kind", "amount", "currency", "accounted_on"),
    "financials": ("legal_entity", "year", "item", "amount", "currency"),
    # a scenario's own fields may be blank after its first row; the domain requires them once
    "scenarios": ("scenario_id", "currency", "amount"),
    "external": ("external_id", "occurred_on", "event_type", "amount", "currency"),
}  # fmt: skip
#: a header the mapping gives to a field the kind lacks, read as another of its fields: an
#: external loss's or a scenario's "loss amount" (损失金额) is its ``amount``
KIND_FALLBACK: dict[str, dict[str, str]] = {
    "scenarios": {"gross_loss": "amount"},
    "external": {"gross_loss": "amount"},
}
NORMALISED_FIELDS = {normalise(f): f for f in ALL_FIELDS}

# Traditional → simplified for header and label characters the taxonomy's own table lacks.
_T2S_EXTRA = str.maketrans(
    "現條線綫賠刪項邊聯準編償萬億計則據撥轉餘額歸屬應帳簿",
    "现条线线赔删项边联准编偿万亿计则据拨转余额归属应账簿",
)


def header_key(text: str) -> str:
    """Fold a header or a value-map label: the taxonomy's normalisation plus more traditional characters."""
    return normalise(text.translate(_T2S_EXTRA))


def simplified(text: str) -> str:
    """``text`` with the extra traditional characters made simplified (for bracketed header units)."""
    return text.translate(_T2S_EXTRA)


def fold(text: str) -> str:
    """Fold a label for value maps and booleans: NFKC, casefold, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class Invalid(ValueError):
    """A cell that cannot be parsed; ``args[0]`` is the rule it breaks (no field, no value)."""


def cached_parser(parse: Callable[[str], T], maxsize: int, what: str) -> Callable[[str], T]:
    """``parse`` with an LRU cache of its results. Callers pass cells of at most
    :data:`MAX_LABEL` characters (the validator refuses longer ones before parsing), so a file
    of distinct huge cells cannot fill memory through the cache; ``what`` names the value."""
    return lru_cache(maxsize=maxsize)(parse)
