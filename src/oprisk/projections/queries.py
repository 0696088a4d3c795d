"""As-of queries on the read models: "what did we know at position P (or time T)".

Every query takes a knowledge cut-off (a position) and, where amounts are involved, a business
cut-off (``accounted_until``). Amounts are summed from the ledger lines known at P and accounted
on or before the cut-off; reporting-currency amounts use the FX rate known at P for the line's
accounting date (the latest rate dated on or before it), so a rate learned later never changes
an answer given earlier.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, or_, select

from oprisk.domain.taxonomy import BUSINESS_LINES, CAUSES, EVENT_TYPES
from oprisk.store.schema import financial_items, fx_rates, ledger_lines, loss_event_versions

V = loss_event_versions
L = ledger_lines

_CATEGORICAL = {
    "event_type": EVENT_TYPES.codes(),
    "event_type_l1": EVENT_TYPES.codes(1),
    "business_line": BUSINESS_LINES.codes(),
    "business_line_l1": BUSINESS_LINES.codes(1),
    "cause": CAUSES.codes(),
}
_LABELS = {"event_type_l1": EVENT_TYPES, "business_line_l1": BUSINESS_LINES, "cause": CAUSES}
AMOUNTS = [
    "gross_loss",
    "recoveries_insurance",
    "recoveries_other",
    "recoveries_receivable",
    "net_loss",
]


def valid_at(position: int) -> Any:
    """The version rows valid at a position."""
    return and_(
        V.c.valid_from_position <= position,
        or_(V.c.valid_to_position.is_(None), V.c.valid_to_position > position),
    )


def versions_at(
    conn: Connection, position: int, head: int, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The loss-event versions valid at ``position`` (only ``columns`` if given)."""
    cond = V.c.valid_to_position.is_(None) if position >= head else valid_at(position)
    return _frame(conn, select(*_columns(V, columns)).where(cond))


def ledger_at(
    conn: Connection,
    position: int,
    accounted_until: date | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The ledger lines recorded up to ``position``, in log order (only ``columns`` if given)."""
    q = select(*_columns(L, columns)).where(L.c.position <= position)
    if accounted_until is not None:
        q = q.where(L.c.accounted_on <= accounted_until)
    return _frame(conn, q.order_by(L.c.position))


def _columns(table: Any, names: Sequence[str] | None) -> list[Any]:
    return [table] if names is None else [table.c[n] for n in names]


def fx_at(conn: Connection, position: int) -> pd.DataFrame:
    q = select(fx_rates).where(fx_rates.c.position <= position).order_by(fx_rates.c.position)
    df = _frame(conn, q)
    # a later fact for the same pair and date revises the rate
    return df.drop_duplicates(["currency", "quote", "rate_date"], keep="last")


def financials_at(conn: Connection, position: int) -> pd.DataFrame:
    q = (
        select(financial_items)
        .where(financial_items.c.position <= position)
        .order_by(financial_items.c.position)
    )
    df = _frame(conn, q)
    return df.drop_duplicates(
        ["legal_entity", "year", "item", "business_line"], keep="last"
    ).reset_index(drop=True)


def _frame(conn: Connection, q: Any) -> pd.DataFrame:
    res = conn.execute(q)
    keys = list(res.keys())
    rows = res.fetchall()
    if not rows:
        return pd.DataFrame(rows, columns=keys)
    # column by column: the same dtypes as from the rows, without a row-wise object matrix
    return pd.DataFrame({k: list(v) for k, v in zip(keys, zip(*rows, strict=True), strict=True)})


def rate_lookup(fx: pd.DataFrame, currency: str, quote: str, on: date) -> Decimal | None:
    """The rate for one pair on a date: the latest dated on or before it (or the inverse pair)."""
    if currency == quote:
        return Decimal(1)
    for cur, quo, invert in ((currency, quote, False), (quote, currency, True)):
        sub = fx[(fx.currency == cur) & (fx.quote == quo) & (fx.rate_date <= on)]
        if len(sub):
            rate = sub.sort_values("rate_date").iloc[-1].rate
            return Decimal(1) / rate if invert else rate
    return None


def rates_on(fx: pd.DataFrame, keys: pd.DataFrame, quote: str) -> list[Decimal | None]:
    """:func:`rate_lookup` for many (``currency``, ``on``) rows of ``keys`` at once (``on`` a
    ``datetime64`` column): one as-of merge per direction instead of a filter per row. The rates
    are the stored ``Decimal`` objects (an inverse pair's as ``Decimal(1) / rate``, exactly as
    :func:`rate_lookup` computes it); ``None`` where no rate is known."""
    out: list[Decimal | None] = [None] * len(keys)
    if not len(keys):
        return out
    left = pd.DataFrame(
        {
            "currency": keys["currency"].to_numpy(dtype=object),
            "on": day_numbers(keys["on"]).astype("datetime64[ns]"),
            "row": np.arange(len(keys)),
        }
    )
    for i in np.flatnonzero(left.currency.to_numpy() == quote):
        out[i] = Decimal(1)
    todo = left[(left.currency != quote) & left.on.notna()]
    if fx.empty or todo.empty:
        return out
    table = pd.DataFrame(
        {
            "currency": fx["currency"].to_numpy(dtype=object),
            "quote": fx["quote"].to_numpy(dtype=object),
            "on": day_numbers(fx["rate_date"].to_numpy(dtype=object)).astype("datetime64[ns]"),
            "rate": fx["rate"].to_numpy(dtype=object),
        }
    )
    for invert in (False, True):
        if invert:  # the inverse pair: quote → currency, dated on or before the day
            pairs = table[table.currency == quote].assign(currency=lambda t: t.quote)
        else:
            pairs = table[table.quote == quote]
        if pairs.empty or todo.empty:
            continue
        hit = pd.merge_asof(
            todo.sort_values("on", kind="stable"),
            pairs[["currency", "on", "rate"]].sort_values("on", kind="stable"),
            on="on",
            by="currency",
            direction="backward",
            allow_exact_matches=True,
        )
        hit = hit[hit.rate.notna()]
        for row, rate in zip(hit.row.to_numpy(), hit.rate.to_numpy(), strict=True):
            out[row] = Decimal(1) / rate if invert else rate
        todo = todo[~todo.row.isin(hit.row)]
    return out


_EPOCH = date(1970, 1, 1).toordinal()


def day_numbers(values: Any) -> np.ndarray:
    """Dates (``datetime.date``, ISO strings or datetime64; ``None`` → NaT) as ``datetime64[D]``."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]")
    items = arr.tolist()
    if items and all(type(v) is date for v in items):  # the common case, without numpy's parser
        ordinals = np.fromiter(map(date.toordinal, items), dtype=np.int64, count=len(items))
        return (ordinals - _EPOCH).astype("datetime64[D]")
    return np.array(items, dtype="datetime64[D]")


class RateTables:
    """Per currency pair, the rates known at a cut-off sorted by date, searched by bisection.

    ``fx`` is :func:`fx_at`'s frame (revisions resolved: one rate per pair and date). The rule is
    :func:`rate_lookup`'s: the latest rate dated on or before the day, else the inverse of the
    inverse pair's, else unknown; a currency converts to itself at 1.
    """

    def __init__(self, fx: pd.DataFrame) -> None:
        self.pairs: dict[tuple[str, str], tuple[np.ndarray, list[Decimal]]] = {}
        if fx.empty or "rate_date" not in fx:
            return
        ordered = fx.sort_values("rate_date", kind="stable")
        for (cur, quo), sub in ordered.groupby(["currency", "quote"], sort=False):
            days = day_numbers(sub.rate_date.to_numpy(dtype=object))
            self.pairs[(str(cur), str(quo))] = (days, list(sub.rate))

    def _floats(self, pair: tuple[str, str], invert: bool) -> np.ndarray:
        rates = self.pairs[pair][1]
        return np.array([float(Decimal(1) / r if invert else r) for r in rates], dtype=np.float64)

    def rates(self, currencies: np.ndarray, days: np.ndarray, quote: str) -> np.ndarray:
        """Each row's rate from ``currencies[i]`` to ``quote`` on ``days[i]`` (NaN if unknown)."""
        out = np.full(len(currencies), np.nan)
        known = ~np.isnat(days)
        codes, uniques = pd.factorize(currencies)
        for code, cur in enumerate(uniques):
            rows = np.flatnonzero((codes == code) & known)
            if cur == quote:
                out[rows] = 1.0
                continue
            todo = np.ones(len(rows), dtype=bool)
            for pair, invert in (((cur, quote), False), ((quote, cur), True)):
                if pair not in self.pairs or not todo.any():
                    continue
                at = np.searchsorted(self.pairs[pair][0], days[rows], side="right") - 1
                hit = todo & (at >= 0)
                out[rows[hit]] = self._floats(pair, invert)[at[hit]]
                todo &= ~hit
        return out


def convert(
    amounts: pd.DataFrame,
    fx: pd.DataFrame,
    quote: str,
    *,
    amount_cols: list[str],
    currency_col: str = "currency",
    date_col: str = "accounted_on",
) -> pd.DataFrame:
    """Add ``<col>_<quote>`` float columns converting each row at its date's rate (NaN if unknown)."""
    out = amounts.copy()
    rate = RateTables(fx).rates(
        out[currency_col].to_numpy(dtype=object), day_numbers(out[date_col]), quote
    )
    for c in amount_cols:
        out[f"{c}_reporting"] = out[c].to_numpy(dtype=np.float64) * rate
    return out


def categorise(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Taxonomy columns as pandas categoricals (codes), with readable label columns beside them."""
    for col, cats in _CATEGORICAL.items():
        if col in df:
            df[col] = pd.Categorical(df[col], categories=cats)
    for col, tax in _LABELS.items():
        if col in df:
            name = col.removesuffix("_l1") + "_name"
            labels = [tax[c].label(lang) for c in tax.codes(1)]
            # the label of each code (categorical codes mapped, no per-row lookups); a value
            # that is not a level-1 code has no label
            position = {c: i for i, c in enumerate(tax.codes(1))}
            cats = df[col].cat.categories
            to_label = np.array([position.get(c, -1) for c in cats] + [-1], dtype=np.int64)
            codes = to_label[df[col].cat.codes.to_numpy()]
            df[name] = pd.Categorical.from_codes(codes, categories=labels)
    return df
