"""Input checks shared by the LDA modules: one message format, typed errors."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from oprisk.errors import CapitalError, InsufficientDataError, invalid

#: Default smallest sample a severity fit accepts (a 2–3 parameter MLE on fewer is noise).
MIN_LOSSES = 10


def _show(values: np.ndarray) -> str:
    return np.array2string(values[:3], separator=", ", threshold=3) + (
        " …" if len(values) > 3 else ""
    )


def loss_array(losses: Any, name: str = "losses") -> np.ndarray:
    """A 1-D float64 array of finite, non-negative amounts (NaN, inf and negatives are rejected)."""
    try:
        x = np.asarray(losses, dtype=np.float64)
    except (TypeError, ValueError):
        raise CapitalError(invalid(name, losses, "must be an array of numbers")) from None
    if x.ndim != 1:
        x = x.reshape(-1)
    bad = ~np.isfinite(x)
    if bad.any():
        raise CapitalError(
            invalid(
                name, _show(x[bad]), f"must be finite; {int(bad.sum())} NaN or infinite value(s)"
            )
        )
    neg = x < 0
    if neg.any():
        raise CapitalError(
            invalid(
                name, _show(x[neg]), f"must be non-negative; {int(neg.sum())} negative value(s)"
            )
        )
    return x


def threshold_value(threshold: Any, name: str = "threshold") -> float:
    """A finite, non-negative collection threshold."""
    try:
        h = float(threshold)
    except (TypeError, ValueError):
        raise CapitalError(invalid(name, threshold, "must be a number >= 0")) from None
    if not math.isfinite(h) or h < 0:
        raise CapitalError(invalid(name, threshold, "must be a finite number >= 0"))
    return h


def above_threshold(
    x: np.ndarray, threshold: float, *, min_losses: int, what: str = "losses"
) -> np.ndarray:
    """Losses at or above the threshold; raise if too few remain or they are all equal."""
    kept = x[x >= threshold]
    if kept.size == 0:
        raise InsufficientDataError(
            invalid("threshold", threshold, f"is above every one of the {x.size} {what}")
        )
    if kept.size < min_losses:
        raise InsufficientDataError(
            invalid(
                what,
                f"{kept.size} value(s) >= threshold {threshold:g}",
                f"at least {min_losses} are needed (min_losses)",
            )
        )
    if np.ptp(kept) == 0:
        raise InsufficientDataError(
            invalid(what, f"all {kept.size} equal to {kept[0]:g}", "a fit needs distinct values")
        )
    return kept


def probability(value: Any, name: str) -> float:
    """A level strictly inside (0, 1)."""
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise CapitalError(invalid(name, value, "must be in (0, 1)")) from None
    if not 0.0 < p < 1.0:
        raise CapitalError(invalid(name, value, "must be in (0, 1)"))
    return p


def levels(values: float | Iterable[float], name: str = "confidence_levels") -> tuple[float, ...]:
    """A tuple of confidence levels, each in (0, 1)."""
    if isinstance(values, int | float | np.floating):
        values = (float(values),)
    out = tuple(probability(v, name) for v in values)
    if not out:
        raise CapitalError(invalid(name, values, "must name at least one level"))
    return out


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """An integer >= minimum (booleans refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise CapitalError(invalid(name, value, f"must be an integer >= {minimum}"))
    return int(value)
