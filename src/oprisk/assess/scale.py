"""Saaty's fundamental scale and the values of single judgements.

A judgement says how many times more important one element is than another: a number, or text
such as ``"3"``, ``"1/3"`` or ``"0.5"``. On Saaty's scale it is 1–9 or a reciprocal; a custom
scale lists its values ≥ 1 and implies their reciprocals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal, TypeAlias

from oprisk.assess.errors import NonPositiveJudgementError, OffScaleJudgementError
from oprisk.errors import invalid

Scale: TypeAlias = Literal["saaty"] | Sequence[float] | None
Judgement: TypeAlias = float | int | str

#: Saaty's fundamental scale: 1–9 and their reciprocals.
SAATY_SCALE: tuple[float, ...] = tuple(
    sorted({float(k) for k in range(1, 10)} | {1 / k for k in range(2, 10)})
)


def parse_judgement(value: Any, name: str = "judgement") -> float:
    """A judgement as a float: a number, or a string such as ``"3"``, ``"1/3"`` or ``"0.5"``."""
    if isinstance(value, bool):
        raise NonPositiveJudgementError(
            invalid(name, value, "must be a positive number such as 3 or '1/3'")
        )
    if isinstance(value, str):
        try:
            number = float(Fraction(value.strip().replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            raise NonPositiveJudgementError(
                invalid(name, value, "must be a positive number such as 3 or '1/3'")
            ) from None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise NonPositiveJudgementError(
                invalid(name, value, "must be a positive number such as 3 or '1/3'")
            ) from None
    if not math.isfinite(number) or number <= 0:
        raise NonPositiveJudgementError(invalid(name, value, "must be positive and finite"))
    return number


def format_judgement(value: float) -> str:
    """``3.0`` → ``"3"``, ``0.333…`` → ``"1/3"``; other values as ``repr`` of the float."""
    for k in range(1, 10):
        if math.isclose(value, k, rel_tol=1e-9):
            return str(k)
        if math.isclose(value, 1 / k, rel_tol=1e-9):
            return f"1/{k}"
    return repr(float(value))


def scale_values(scale: Scale) -> tuple[float, ...] | None:
    """The values a judgement may take (1 and the reciprocals included); ``None``: any positive."""
    if scale is None:
        return None
    if isinstance(scale, str):
        if scale != "saaty":
            raise OffScaleJudgementError(
                invalid("scale", scale, "must be 'saaty', None or a list of values >= 1")
            )
        return SAATY_SCALE
    values = [float(v) for v in scale]
    if not values or any(not math.isfinite(v) or v < 1 for v in values):
        raise OffScaleJudgementError(
            invalid("scale", list(scale), "must be 'saaty', None or a list of values >= 1")
        )
    return tuple(sorted(set(values) | {1.0} | {1 / v for v in values}))


def snap(value: float, allowed: tuple[float, ...], rtol: float, name: str, scale: Scale) -> float:
    """The allowed value within ``rtol`` of ``value``; a value off the scale is an error."""
    nearest = min(allowed, key=lambda s: abs(math.log(value / s)))
    if math.isclose(value, nearest, rel_tol=rtol):
        return nearest
    rule = (
        "must be on Saaty's scale 1..9 or a reciprocal 1/2..1/9 (pass scale=None to allow any positive value)"
        if scale == "saaty"
        else f"must be one of {[format_judgement(v) for v in allowed]}"
    )
    raise OffScaleJudgementError(invalid(name, value, rule))
