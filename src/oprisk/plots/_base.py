"""What every figure shares: one money unit per figure, cut-offs as dates, and the figure itself.

Figures are :class:`matplotlib.figure.Figure` objects made without pyplot (no global state; they
display inline in Jupyter and save with ``fig.savefig``); matplotlib is imported only when a plot
is drawn.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

#: the scales a figure's money axis may use, largest first
_SCALES = ((1e9, "bn"), (1e6, "m"), (1e3, "thousand"), (1.0, ""))


def figure(ncols: int = 1, *, figsize: tuple[float, float] = (7.5, 4.5), **kw: Any) -> Any:
    """A constrained-layout Figure with ``ncols`` axes side by side."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    fig.subplots(1, ncols, **kw)
    return fig


def money_scale(values: Any, currency: str) -> tuple[float, str]:
    """One divisor and label for every money axis of a figure, chosen from its largest value.

    >>> money_scale([12_500_000, 40_000], "EUR")
    (1000000.0, 'EUR m')
    """
    arr = np.abs(np.asarray(values, dtype=float))
    top = float(np.nanmax(arr)) if arr.size and np.isfinite(arr).any() else 0.0
    for divisor, word in _SCALES:
        if top >= divisor * 1.5 or divisor == 1.0:
            return divisor, f"{currency} {word}".strip()
    raise AssertionError("unreachable")  # pragma: no cover


def cutoff_text(frame: pd.DataFrame | None = None, **attrs: Any) -> str:
    """``as known at 2026-02-15 10:32 UTC`` from a frame's ``attrs`` (``db.losses()`` sets them)
    or from keyword arguments; the log position follows in brackets when known."""
    found = {**(frame.attrs if frame is not None else {}), **attrs}
    time = found.get("cutoff_time")
    position = found.get("cutoff_position")
    when = _when(time) if time is not None else None
    if when and position is not None:
        return f"as known at {when} (position {position:,})"
    if when:
        return f"as known at {when}"
    return f"as known at position {position:,}" if position is not None else ""


def period_text(frame: pd.DataFrame | None = None, **attrs: Any) -> str:
    """``accounted up to 2025-12-31`` from the frame's ``accounted_until`` (empty if none)."""
    found = {**(frame.attrs if frame is not None else {}), **attrs}
    until = found.get("accounted_until")
    return f"accounted up to {pd.Timestamp(until).date().isoformat()}" if until is not None else ""


def currency_of(frame: pd.DataFrame, default: str = "") -> str:
    if "reporting_currency" in frame and len(frame):
        return str(frame.reporting_currency.iloc[0])
    return str(frame.attrs.get("currency") or default)


def title(*parts: str) -> str:
    """Parts joined with " — ", empty ones left out."""
    return " — ".join(p for p in parts if p)


def _when(value: Any) -> str:
    t = pd.Timestamp(value)
    if t.tzinfo is not None:
        t = t.tz_convert("UTC")
    timed = isinstance(value, datetime) or (isinstance(value, str) and "T" in value)
    if timed or t != t.normalize():
        return t.strftime("%Y-%m-%d %H:%M UTC")
    return t.date().isoformat()
