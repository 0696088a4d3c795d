"""Parsers of the cells that name something: taxonomy codes and labels, causes, movement kinds,
financial items, years, LEIs (cached: a file repeats the same few labels)."""

from __future__ import annotations

from collections.abc import Callable
from difflib import get_close_matches
from functools import lru_cache

from oprisk.domain.taxonomy import BUSINESS_LINES, EVENT_TYPES, Category, cause, normalise
from oprisk.errors import UnknownTaxonomyError
from oprisk.ingest.fields import MAX_LABEL, Invalid, cached_parser
from oprisk.ingest.models import FINANCIAL_ITEMS, LEI, MOVEMENT_KINDS, lei_ok

__all__ = [
    "known_taxonomy",
    "parse_cause",
    "parse_item",
    "parse_kind",
    "parse_lei",
    "parse_text",
    "parse_year",
    "resolve_taxonomy",
]


def _abbreviated(kind: str, raw: str | None = None) -> str:
    tax = EVENT_TYPES if kind == "event_type" else BUSINESS_LINES
    top = ", ".join(f"{c.code} {c.name}/{c.name_zh}" for c in tax.level(1, basel_only=False))
    rule = f"must be one of {top} (a code or an English or Chinese label, or a level-2 type)"
    close = _closest(kind, raw) if raw else None
    return f"{rule}; did you mean {close.code} {close.name}?" if close else rule


@lru_cache(maxsize=2)
def _labels(kind: str) -> dict[str, Category]:
    """Every code, label and alias of a taxonomy, folded → its category (level 1 first)."""
    tax = EVENT_TYPES if kind == "event_type" else BUSINESS_LINES
    out: dict[str, Category] = {}
    for c in sorted(tax, key=lambda c: c.level):
        for text in (c.code, c.name, c.name_zh, *c.aliases):
            out.setdefault(normalise(text), c)
    return out


def _closest(kind: str, raw: str) -> Category | None:
    labels = _labels(kind)
    close = get_close_matches(normalise(raw), list(labels), n=1, cutoff=0.75)
    return labels[close[0]] if close else None


def resolve_taxonomy(
    kind: str, l1: str | None, l2: str | None
) -> tuple[str | None, str | None, tuple[tuple[str, str], ...]]:
    """Resolve a level-1 and level-2 pair of cells to (L1 code, L2 code, problems)."""
    if (l1 is not None and len(l1) > MAX_LABEL) or (l2 is not None and len(l2) > MAX_LABEL):
        too_long = [(f, r) for f, r in ((kind, l1), (f"{kind}_l2", l2)) if r and len(r) > MAX_LABEL]
        return (
            None,
            None,
            tuple(
                (f, f"is {len(raw):,} characters long, too long for a label") for f, raw in too_long
            ),
        )
    return known_taxonomy(kind, l1, l2)


@lru_cache(maxsize=4096)
def known_taxonomy(
    kind: str, l1: str | None, l2: str | None
) -> tuple[str | None, str | None, tuple[tuple[str, str], ...]]:
    """:func:`resolve_taxonomy` for cells of at most ``MAX_LABEL`` characters (cached)."""
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
                problems.append((f1, _abbreviated(kind, l1)))
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


_CAUSES = ("people", "process", "systems", "external")


def _cause(raw: str) -> str:
    try:
        return cause(raw).code
    except UnknownTaxonomyError:
        close = get_close_matches(normalise(raw), _CAUSES, n=1, cutoff=0.7)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise Invalid(
            "must be one of people/人员, process/流程, systems/系统, external/外部事件" + hint
        ) from None


parse_cause = cached_parser(_cause, 256, "a cause")


def _enum(choices: tuple[str, ...], what: str) -> Callable[[str], str]:
    table = {normalise(c): c for c in choices}
    rule = "must be one of " + ", ".join(choices)

    def parse(raw: str) -> str:
        try:
            return table[normalise(raw)]
        except KeyError:
            close = get_close_matches(normalise(raw), list(table), n=1, cutoff=0.7)
            hint = f"; did you mean {table[close[0]]}?" if close else ""
            raise Invalid(rule + hint) from None

    return cached_parser(parse, 256, what)


parse_kind = _enum(MOVEMENT_KINDS, "a movement kind")
parse_item = _enum(FINANCIAL_ITEMS, "a financial item")


def parse_year(raw: str) -> int:
    s = raw.strip().removesuffix("年").removesuffix(".0")
    if not (s.isdigit() and len(s) == 4):
        raise Invalid("must be a four-digit year")
    return int(s)


def parse_lei(raw: str) -> str:
    lei = raw.strip().upper()
    if not LEI.match(lei):
        raise Invalid(
            "must be a 20-character ISO 17442 LEI (18 letters or digits and 2 check digits)"
        )
    if not lei_ok(lei):
        raise Invalid("fails the ISO 17442 check digits")
    return lei


def parse_text(raw: str) -> str:
    return raw.strip()
