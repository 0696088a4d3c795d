"""The FX rule's two implementations agree: exact ``rate_lookup`` and vectorised ``RateTables``."""

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from oprisk.projections.queries import RateTables, day_numbers, rate_lookup

D0 = date(2024, 1, 1)
rates = st.lists(
    st.tuples(
        st.sampled_from([("USD", "EUR"), ("EUR", "GBP"), ("CNY", "EUR")]),
        st.integers(0, 60),
        st.decimals("0.01", "20", places=4),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(rates=rates, days=st.lists(st.integers(-5, 70), min_size=1, max_size=10))
def test_rate_tables_match_rate_lookup(rates, days):
    fx = pd.DataFrame(
        [
            {"currency": c, "quote": q, "rate_date": D0 + timedelta(days=d), "rate": r}
            for (c, q), d, r in rates
        ],
        columns=["currency", "quote", "rate_date", "rate"],
    ).drop_duplicates(["currency", "quote", "rate_date"], keep="last")
    tables = RateTables(fx)
    on = [D0 + timedelta(days=d) for d in days]
    for cur in ("USD", "GBP", "CNY", "EUR", "JPY"):
        got = tables.rates(np.array([cur] * len(on), dtype=object), day_numbers(on), "EUR")
        for g, day in zip(got, on, strict=True):
            want = rate_lookup(fx, cur, "EUR", day) if len(fx) or cur == "EUR" else None
            if want is None:
                assert np.isnan(g), (cur, day)
            else:
                assert g == float(Decimal(want)), (cur, day, g, want)
