"""As-of queries on the read models: "what did we know at position P (or time T)".

Every query takes a knowledge cut-off (a position) and, where amounts are involved, a business
cut-off (``accounted_until``). Amounts are summed from the ledger lines known at P and accounted
on or before the cut-off; reporting-currency amounts use the FX rate known at P for the line's
accounting date (the latest rate dated on or before it), so a rate learned later never changes
an answer given earlier.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

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


def versions_at(conn: Connection, position: int, head: int) -> pd.DataFrame:
    cond = V.c.valid_to_position.is_(None) if position >= head else valid_at(position)
    return _frame(conn, select(V).where(cond))


def ledger_at(conn: Connection, position: int, accounted_until: date | None = None) -> pd.DataFrame:
    q = select(L).where(L.c.position <= position)
    if accounted_until is not None:
        q = q.where(L.c.accounted_on <= accounted_until)
    return _frame(conn, q.order_by(L.c.position))


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
    return pd.DataFrame(res.fetchall(), columns=list(res.keys()))


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
    rates: dict[tuple[str, date], Decimal | None] = {}
    col = []
    for cur, d in zip(out[currency_col], out[date_col], strict=True):
        key = (cur, d)
        if key not in rates:
            rates[key] = rate_lookup(fx, cur, quote, d) if d is not None else None
        col.append(rates[key])
    rate = pd.Series([float(r) if r is not None else float("nan") for r in col], index=out.index)
    for c in amount_cols:
        out[f"{c}_reporting"] = out[c].astype(float) * rate
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
            mapping = dict(zip(tax.codes(1), labels, strict=True))
            df[name] = pd.Categorical(df[col].astype(object).map(mapping), categories=labels)
    return df
