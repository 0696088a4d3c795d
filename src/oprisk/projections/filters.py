"""Filters of ``losses()`` applied in the database, so that the cost follows the rows returned.

``year`` keeps the events first accounted in that year (the frame's ``first_accounted_on``: the
earliest impact line known at the cut-off and accounted by ``accounted_until``);
``business_line`` and ``event_type`` take taxonomy codes or labels of either level (a level-1
code keeps its level-2 children); ``legal_entity`` and ``source`` are compared as stored. Each
takes one value or several (any of them). A code the taxonomy does not know is an error that
lists the known ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from oprisk.domain.taxonomy import BUSINESS_LINES, EVENT_TYPES, Taxonomy
from oprisk.errors import ConfigurationError, invalid

Values = str | Iterable[str] | None

#: the version rows valid at a position (``?``: the position twice), or the current ones
VALID_AT = "valid_from_position <= ? AND (valid_to_position IS NULL OR valid_to_position > ?)"
CURRENT = "valid_to_position IS NULL"


@dataclass(frozen=True)
class LossFilter:
    """The filters asked for, checked; :meth:`sql` renders them for one cut-off."""

    year: int | None = None
    business_lines: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    legal_entities: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any(
            (
                self.year is not None,
                self.business_lines,
                self.event_types,
                self.legal_entities,
                self.sources,
            )
        )

    def sql(self, position: int, until: date | None, date_param: Any) -> tuple[str, list[Any]]:
        """`` AND …`` conditions on ``loss_event_versions`` and their parameters."""
        sql, params = "", list[Any]()
        for column, codes, taxonomy in (
            ("business_line", self.business_lines, BUSINESS_LINES),
            ("event_type", self.event_types, EVENT_TYPES),
        ):
            if codes:
                sql += f" AND ({_codes(column, codes, taxonomy, params)})"
        for column, values in (("legal_entity", self.legal_entities), ("source", self.sources)):
            if values:
                sql += f" AND {column} IN ({', '.join('?' * len(values))})"
                params += values
        if self.year is not None:
            # first accounted in the year: an impact line in it (found through the index on
            # accounted_on) and none before it (through the index on event_id)
            start, end = date_param(date(self.year, 1, 1)), date_param(date(self.year, 12, 31))
            sql += (
                " AND event_id IN (SELECT event_id FROM ledger_lines WHERE line_type = 'impact'"
                " AND position <= ? AND accounted_on >= ? AND accounted_on <= ?"
                + (" AND accounted_on <= ?" if until is not None else "")
                + ") AND NOT EXISTS (SELECT 1 FROM ledger_lines AS earlier"
                " WHERE earlier.event_id = loss_event_versions.event_id"
                " AND earlier.line_type = 'impact' AND earlier.position <= ?"
                " AND earlier.accounted_on < ?)"
            )
            params += [position, start, end, *([date_param(until)] if until is not None else [])]
            params += [position, start]
        return sql, params

    def events_sql(
        self, position: int, head: int, until: date | None, date_param: Any
    ) -> tuple[str, list[Any]]:
        """`` AND event_id IN (…)`` for a query on ``ledger_lines``: the events that pass."""
        valid, params = (CURRENT, []) if position >= head else (VALID_AT, [position, position])
        where, more = self.sql(position, until, date_param)
        return (
            f" AND event_id IN (SELECT event_id FROM loss_event_versions WHERE {valid}{where})",
            params + more,
        )


def _codes(column: str, codes: tuple[str, ...], taxonomy: Taxonomy, params: list[Any]) -> str:
    """Level-1 codes on the ``_l1`` column, level-2 codes on the column itself."""
    parts = []
    for level, target in ((1, f"{column}_l1"), (2, column)):
        picked = [c for c in codes if taxonomy[c].level == level]
        if picked:
            parts.append(f"{target} IN ({', '.join('?' * len(picked))})")
            params += picked
    return " OR ".join(parts)


def _many(value: Values) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _taxonomy_codes(value: Values, taxonomy: Taxonomy) -> tuple[str, ...]:
    return tuple(dict.fromkeys(taxonomy.get(v).code for v in _many(value)))


def loss_filter(
    year: int | None = None,
    business_line: Values = None,
    event_type: Values = None,
    legal_entity: Values = None,
    source: Values = None,
) -> LossFilter:
    """The filters of ``losses()``, checked (unknown taxonomy codes raise
    :class:`~oprisk.errors.UnknownTaxonomyError`, naming the known ones)."""
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999):  # fmt: skip
        raise ConfigurationError(invalid("year", year, "must be a calendar year such as 2025"))
    return LossFilter(
        year=year,
        business_lines=_taxonomy_codes(business_line, BUSINESS_LINES),
        event_types=_taxonomy_codes(event_type, EVENT_TYPES),
        legal_entities=_many(legal_entity),
        sources=_many(source),
    )
