"""Inputs of the capital service, read at one knowledge cut-off: the cut-off itself and the financials."""

from __future__ import annotations

import dataclasses
import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd

from oprisk.capital import BI_ITEMS, Profile
from oprisk.capital.results import CONTEXT, to_decimal
from oprisk.errors import CapitalError, ConfigurationError, MissingInputError, invalid
from oprisk.projections.queries import rate_lookup

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


P = ParamSpec("P")
T = TypeVar("T")


def collector_paused(method: Callable[P, T]) -> Callable[P, T]:
    """``method`` run with Python's cyclic garbage collector paused. Building the loss data and
    the Loss Component allocates a few objects per loss row (tuples, postings, event lines) that
    all stay alive; the collector would rescan the growing heap again and again for cycles
    there are none of (a quarter of the run's CPU time at a million facts). Reference counting
    still frees everything at once; the collector runs again afterwards."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        was = gc.isenabled()
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            if was:
                gc.enable()

    return run


def plain(value: Any) -> Decimal:
    """A stored amount without the trailing zeros a NUMERIC column adds (1000.00000000 → 1000)."""
    d = (value if isinstance(value, Decimal) else Decimal(str(value))).normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


def plains(values: np.ndarray) -> list[Decimal]:
    """:func:`plain` of every value of an object array, the per-value steps mapped in C."""
    exact = [v if type(v) is Decimal else Decimal(str(v)) for v in values]
    normal = list(map(Decimal.normalize, exact))
    pair = np.empty((2, len(normal)), dtype=object)
    pair[0], pair[1] = normal, list(map(Decimal.to_integral_value, normal))
    for i in np.flatnonzero(pair[0] == pair[1]).tolist():  # whole: 1E+2 → 100
        normal[i] = normal[i].quantize(Decimal(1))
    return normal


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


#: the financial-component items under the prudential boundary approach (C 16.01.b r0110)
PRUDENTIAL = {f"{i}_prudential": i for i in ("net_pnl_trading_book", "net_pnl_banking_book")}


def bi_items(
    queries: Queries,
    cut: Cutoff,
    year: int,
    legal_entity: str | None,
    currency: str,
    unit: Decimal,
    fc_approach: str = "accounting",
) -> tuple[str, pd.DataFrame]:
    """The ten BI items of ``year − 2 … year``; with ``fc_approach="prudential"`` the trading
    and banking book items are the values recorded under the prudential boundary approach."""
    if fc_approach not in ("accounting", "prudential"):
        raise ConfigurationError(
            invalid("fc_approach", fc_approach, "must be accounting or prudential")
        )
    wanted = set(BI_ITEMS)
    if fc_approach == "prudential":
        wanted = (wanted - set(PRUDENTIAL.values())) | set(PRUDENTIAL)
    entity, fin = financials(
        queries, cut, year, legal_entity, currency, wanted, "Business Indicator items"
    )
    fin = fin.assign(item=fin["item"].replace(PRUDENTIAL))
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


def profile_threshold(prof: Profile, threshold: Any) -> Decimal:
    """The loss threshold asked for, or the profile's default, in the profile's currency."""
    if threshold is None:
        if prof.default_threshold is None:
            raise MissingInputError(
                invalid(
                    "threshold",
                    None,
                    f"profile {prof.name!r} has no confirmed {prof.currency} loss threshold: pass one",
                )
            )
        return prof.default_threshold
    return to_decimal(threshold, "threshold")


def profile_rate(
    queries: Queries, cut: Cutoff, prof: Profile, currency: str, year: int
) -> Decimal | None:
    """Units of ``currency`` per unit of the profile's currency at 31 December ``year``, as known
    at the cut-off (None when the currencies agree); a missing rate names both currencies."""
    if prof.currency == currency:
        return None
    on = date(year, 12, 31)
    fx = queries.fx_rates(cut.position)
    rate = rate_lookup(fx, prof.currency, currency, on) if len(fx) else None
    if rate is None:
        raise MissingInputError(
            f"profile {prof.name!r} states its amounts in {prof.currency} and the calculation is in "
            f"{currency}: no {prof.currency}/{currency} FX rate dated on or before {on.isoformat()}, "
            f"{cut.where()} (record one with db.record_fx_rate)"
        )
    return Decimal(rate)
