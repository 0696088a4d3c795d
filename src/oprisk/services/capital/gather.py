"""Inputs of the capital service, read at one knowledge cut-off: the cut-off itself and the financials."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from oprisk.capital import BI_ITEMS
from oprisk.capital.results import CONTEXT
from oprisk.errors import CapitalError, ConfigurationError, MissingInputError, invalid

if TYPE_CHECKING:
    from oprisk.ports import Queries


@dataclasses.dataclass(frozen=True)
class Cutoff:
    """A knowledge cut-off resolved once: the log position, its recorded time, what was asked."""

    position: int
    time: datetime | None
    as_of: str | None

    def where(self) -> str:
        return f"as known at position {self.position}"


@contextmanager
def context(prefix: str) -> Iterator[None]:
    """Prefix a missing-input message with where the input was looked for."""
    try:
        yield
    except MissingInputError as err:
        raise MissingInputError(f"{prefix}: {err}") from err


def plain(value: Any) -> Decimal:
    """A stored amount without the trailing zeros a NUMERIC column adds (1000.00000000 → 1000)."""
    d = (value if isinstance(value, Decimal) else Decimal(str(value))).normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


def text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def where(entity: str | None, year: int, cut: Cutoff) -> str:
    who = f"legal entity {entity!r}, " if entity is not None else ""
    return f"{who}year {year}, {cut.where()}"


def financials(
    queries: Queries,
    cut: Cutoff,
    year: int,
    legal_entity: str | None,
    currency: str,
    items: set[str],
    what: str,
) -> tuple[str, pd.DataFrame]:
    """The financial rows of ``items`` for ``year − 2 … year`` of one legal entity."""
    fin = queries.financials(cut.position)
    fin = fin[fin["item"].isin(items)] if len(fin) else fin
    if legal_entity is None:
        entities = sorted(set(fin.legal_entity)) if len(fin) else []
        if len(entities) > 1:
            raise ConfigurationError(
                invalid(
                    "legal_entity",
                    None,
                    f"{what} is recorded for several legal entities ({', '.join(map(repr, entities))}): choose one",
                )
            )
        if not entities:
            raise MissingInputError(f"year {year}, {cut.where()}: no {what} recorded")
        legal_entity = entities[0]
    rows = (
        fin[(fin.legal_entity == legal_entity) & fin.year.between(year - 2, year)]
        if len(fin)
        else fin
    )
    if rows.empty:
        raise MissingInputError(
            f"{where(legal_entity, year, cut)}: no {what} recorded for {year - 2}–{year}"
        )
    wrong = rows[rows.currency != currency]
    if len(wrong):
        r = wrong.iloc[0]
        raise CapitalError(
            invalid(
                f"{r['item']}[{r.year}]",
                f"{r.amount} {r.currency}",
                f"{legal_entity!r}: financial inputs must be in {currency}, the calculation currency "
                "(pass currency= or record them in it)",
            )
        )
    rows = rows.copy()
    rows["amount"] = [plain(a) for a in rows.amount]
    return legal_entity, rows.reset_index(drop=True)


def by_line(fin: pd.DataFrame, item: str) -> pd.DataFrame | None:
    """Long frame ``year`` / ``business_line`` / ``item`` of the per-line rows (None if none)."""
    rows = fin[(fin["item"] == item) & (fin.business_line != "")]
    if rows.empty:
        return None
    return rows.rename(columns={"amount": item})[["year", "business_line", item]].reset_index(
        drop=True
    )


def bi_items(
    queries: Queries, cut: Cutoff, year: int, legal_entity: str | None, currency: str, unit: Decimal
) -> tuple[str, pd.DataFrame]:
    entity, fin = financials(
        queries,
        cut, year, legal_entity, currency, set(BI_ITEMS), "Business Indicator items"
    )
    # the entity-wide figure of an item; without one, the item's per-line figures summed
    entity_wide: dict[tuple[int, str], Decimal] = {}
    by_line: dict[tuple[int, str], Decimal] = {}
    for y, item, bl, amount in fin[["year", "item", "business_line", "amount"]].itertuples(
        index=False, name=None
    ):
        target = entity_wide if bl == "" else by_line
        target[(int(y), str(item))] = target.get((int(y), str(item)), Decimal(0)) + amount
    summed = {**by_line, **entity_wide}
    frame = pd.DataFrame(
        [(y, i, CONTEXT.divide(a, unit)) for (y, i), a in sorted(summed.items())],
        columns=["year", "item", "amount"],
    )
    return entity, frame
