"""``rates_on`` (one as-of merge per direction) gives ``rate_lookup``'s rate for every row."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from oprisk.projections.queries import rate_lookup, rates_on


def test_rates_on_agrees_with_rate_lookup_row_by_row() -> None:
    rng = np.random.default_rng(7)
    rows = []
    for cur, quote in (("USD", "EUR"), ("EUR", "GBP"), ("JPY", "EUR"), ("EUR", "JPY")):
        for d in sorted(rng.choice(400, 12, replace=False)):
            rate = Decimal(f"{rng.uniform(0.5, 2):.6f}")
            rows.append((cur, quote, date(2024, 1, 1) + timedelta(days=int(d)), rate))
    fx = pd.DataFrame(rows, columns=["currency", "quote", "rate_date", "rate"])
    days = [date(2023, 12, 1) + timedelta(days=int(d)) for d in rng.integers(0, 460, 300)]
    curs = rng.choice(["USD", "GBP", "JPY", "EUR", "CHF"], 300).tolist()
    keys = pd.DataFrame({"currency": curs, "on": pd.to_datetime(days)})
    got = rates_on(fx, keys, "EUR")
    want = [rate_lookup(fx, c, "EUR", d) for c, d in zip(curs, days, strict=True)]
    assert got == want
    # the JPY rows use the direct pair even where the inverse pair has a later date
    assert any(g is not None and c == "JPY" for g, c in zip(got, curs, strict=True))
    assert {c for g, c in zip(got, curs, strict=True) if g is None} >= {"CHF"}
