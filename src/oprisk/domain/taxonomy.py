"""Basel taxonomies: lookups of event types, business lines and causes by code or label.

The categories themselves (codes, English and Chinese names, aliases, TSA betas, the default
causes) and their sources are in :mod:`oprisk.domain.categories`.

Lookups accept a code or a label in either language, case-, width-, space- and
punctuation-insensitively, in simplified or traditional characters, and reject anything else with
the list of valid values (:class:`~oprisk.errors.UnknownTaxonomyError`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from oprisk.domain.categories import (
    BUSINESS_LINE_CATEGORIES,
    CAUSE_CATEGORIES,
    DEFAULT_CAUSES,
    EVENT_TYPE_CATEGORIES,
    Category,
)
from oprisk.errors import UnknownTaxonomyError

# Traditional → simplified for the characters our labels use (reference §9: accept both).
_T2S = str.maketrans(
    "內詐業務銀產資實損壞訊統執與處戶場選擇險財經紀託專權監報錄號機構門設計稱額員製銷結貨幣災動護顧問諮詢職僱傭關係環視別當責風錯誤營運維攬檔記賬對應個體發盜竊為勞會規導斷靈網絡電腦來種類錢貸證書單據聘際歧場離認獲覽較態狀況隊齊",
    "内诈业务银产资实损坏讯统执与处户场选择险财经纪托专权监报录号机构门设计称额员制销结货币灾动护顾问咨询职雇佣关系环视别当责风错误营运维揽档记账对应个体发盗窃为劳会规导断灵网络电脑来种类钱贷证书单据聘际歧场离认获览较态状况队齐",
)
_DROP = {"P", "Z", "S"}  # punctuation, separators, symbols (unicode categories' first letter)


def normalise(text: object) -> str:
    """Fold a code or label to the form lookups compare: NFKC, casefold, simplified, no spaces/punctuation."""
    s = unicodedata.normalize("NFKC", str(text)).casefold().translate(_T2S).replace("&", "and")
    return "".join(ch for ch in s if unicodedata.category(ch)[0] not in _DROP)


@dataclass(frozen=True)
class Taxonomy:
    """A family of categories (event types, business lines or causes) with label lookup."""

    kind: str
    categories: tuple[Category, ...]
    _index: dict[str, list[Category]] = field(init=False, repr=False, compare=False)
    _codes: dict[str, Category] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, list[Category]] = {}
        for cat in self.categories:
            for key in (cat.code, cat.name, cat.name_zh, *cat.aliases):
                bucket = index.setdefault(normalise(key), [])
                if cat not in bucket:
                    bucket.append(cat)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_codes", {c.code: c for c in self.categories})

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories)

    def __len__(self) -> int:
        return len(self.categories)

    def __getitem__(self, code: str) -> Category:
        return self.get(code)

    def codes(self, level: int | None = None) -> list[str]:
        return [c.code for c in self.categories if level is None or c.level == level]

    def level(self, level: int, *, basel_only: bool = True) -> list[Category]:
        return [c for c in self.categories if c.level == level and (c.basel or not basel_only)]

    def children(self, code: str) -> list[Category]:
        return [c for c in self.categories if c.parent == code]

    def get(self, value: object, level: int | None = None, parent: str | None = None) -> Category:
        """Find a category by code or label (either language).

        A label shared by a level-1 and a level-2 node resolves to level 1 unless ``level=2``;
        a level-2 label shared by two parents (``Theft and Fraud``) needs ``parent``.
        """
        if isinstance(value, Category):
            value = value.code
        exact = self._codes.get(value) if isinstance(value, str) and parent is None else None
        if exact is not None and level in (None, exact.level):
            return exact  # the common case: a stored code
        hits = self._index.get(normalise(value), []) if value is not None else []
        if level is not None:
            hits = [c for c in hits if c.level == level]
        if parent is not None and len(hits) > 1:
            p = self.get(parent, 1).code
            hits = [c for c in hits if c.l1 == p] or hits
        if hits:
            top = min(c.level for c in hits)
            hits = [c for c in hits if c.level == top]
            if len(hits) == 1:
                return hits[0]
            raise UnknownTaxonomyError(
                self.kind, value, [f"{c.code} ({c.name})" for c in hits], ambiguous=True
            )
        valid = [
            f"{c.code} ({c.name} / {c.name_zh})"
            for c in self.categories
            if level in (None, c.level)
        ]
        raise UnknownTaxonomyError(self.kind, value, valid)

    def __contains__(self, value: object) -> bool:
        try:
            self.get(value)
        except UnknownTaxonomyError:
            return False
        return True


EVENT_TYPES = Taxonomy("event_type", EVENT_TYPE_CATEGORIES)
BUSINESS_LINES = Taxonomy("business_line", BUSINESS_LINE_CATEGORIES)
CAUSES = Taxonomy("cause", CAUSE_CATEGORIES)


def event_type(value: object, level: int | None = None, parent: str | None = None) -> Category:
    """Look up a Basel event type by code (``ET2``, ``ET2.1``) or label (English or Chinese)."""
    return EVENT_TYPES.get(value, level, parent)


def business_line(value: object, level: int | None = None, parent: str | None = None) -> Category:
    """Look up a business line by code (``BL3``, ``BL31``) or label (English or Chinese)."""
    return BUSINESS_LINES.get(value, level, parent)


def cause(value: object) -> Category:
    """Look up a cause (people, process, systems, external) by code or label."""
    return CAUSES.get(value)


def default_cause(event_type_code: str, overrides: Mapping[str, str] | None = None) -> str:
    """The default cause of an event type, with optional per-installation overrides by L1 or L2 code."""
    et = event_type(event_type_code)
    for key in (et.code, et.l1):
        if overrides and key in overrides:
            return cause(overrides[key]).code
    return DEFAULT_CAUSES[et.l1]


def tsa_betas(lines: Iterable[str] | None = None) -> dict[str, Decimal]:
    """TSA betas of the eight Basel level-1 business lines (Basel II §654)."""
    cats = BUSINESS_LINES.level(1) if lines is None else [business_line(x, 1) for x in lines]
    return {c.code: c.beta for c in cats if c.beta is not None}
