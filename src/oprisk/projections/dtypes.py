"""The types analysts get in frames: dates as ``datetime64``, log positions as nullable ``Int64``,
money as float64 (or exact ``Decimal`` on request), taxonomy codes as categoricals.

| kind | columns | dtype |
|---|---|---|
| business dates | ``occurred_on``, ``discovered_on``, ``first_accounted_on``, ``accounted_on`` | ``datetime64[s]``, NaT if unknown |
| timestamps | ``recorded_at``, ``valid_from_time``, ``valid_to_time`` | ``datetime64`` (UTC) |
| log positions | ``position``, ``valid_from_position``, ``valid_to_position`` | ``Int64`` (``<NA>`` if open) |
| money | amounts and ``*_reporting`` | float64; ``exact=True``: ``Decimal`` (native amounts) |
| codes | event type, business line, cause (and their level 1) | ``category`` with the taxonomy's codes |

``docs/frames.md`` has the table for every frame.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from oprisk.projections.frames import DATE_DTYPE
from oprisk.projections.queries import AMOUNTS

DATES = ("occurred_on", "discovered_on", "first_accounted_on", "accounted_on")
POSITIONS = ("position", "valid_from_position", "valid_to_position")
MONEY = (*AMOUNTS, "amount", "gross_effect", "net_effect")


def analyst_types(df: pd.DataFrame, exact: bool = False) -> pd.DataFrame:
    """``df`` with the documented dtypes (in place where possible; returns the frame)."""
    for col in DATES:
        if col in df:
            df[col] = pd.to_datetime(df[col]).astype(DATE_DTYPE)
    for col in POSITIONS:
        if col in df:
            df[col] = df[col].astype("Int64")
    for col in MONEY:
        if col in df:
            df[col] = _exact(df[col]) if exact else df[col].astype(np.float64)
    return df


def _exact(col: pd.Series) -> pd.Series:
    return pd.Series(
        [v if isinstance(v, Decimal) or v is None else Decimal(str(v)) for v in col],
        index=col.index,
        dtype=object,
    )
