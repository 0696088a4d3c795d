"""The shared base of capital results and the Decimal helpers every calculation uses.

Every capital function returns a frozen dataclass that holds each intermediate figure at full
precision. Rounding happens only when a result is *presented*: ``summary()`` rounds (2 dp for
amounts, 6 dp for ratios such as the ILM); ``to_dict()`` keeps every digit (Decimals as strings).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from oprisk.errors import CapitalError, MissingInputError, invalid

#: Arithmetic context of the capital module: 40 significant digits, banker's rounding inside a
#: calculation (far beyond any reporting precision; only presentation rounds, half-up).
CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)

#: Capital → risk-weighted assets: RWA = 12.5 × capital [OPE25.2], [CRR Art 92(3)].
RWA_FACTOR = Decimal("12.5")


def to_decimal(value: Any, name: str) -> Decimal:
    """Convert an input amount to an exact Decimal (floats via ``str``, so 0.1 stays 0.1).

    Raises :class:`~oprisk.errors.MissingInputError` for None/NaN and
    :class:`~oprisk.errors.CapitalError` for anything that is not a finite number.
    """
    if isinstance(value, Decimal):
        out = value
    elif value is None or value is pd.NA or value is pd.NaT:
        raise MissingInputError(invalid(name, value, "is missing, a number is required"))
    elif isinstance(value, bool | np.bool_):
        raise CapitalError(invalid(name, value, "must be a number, not a boolean"))
    elif isinstance(value, int | np.integer):
        out = Decimal(int(value))
    elif isinstance(value, float | np.floating):
        if math.isnan(value):
            raise MissingInputError(invalid(name, value, "is missing, a number is required"))
        out = Decimal(str(float(value)))
    elif isinstance(value, str):
        try:
            out = Decimal(value.strip().replace(",", "").replace("_", ""))
        except InvalidOperation:
            raise CapitalError(invalid(name, value, "must be a number")) from None
    else:
        raise CapitalError(invalid(name, value, "must be a number"))
    if out.is_nan():
        raise MissingInputError(invalid(name, value, "is missing, a number is required"))
    if not out.is_finite():
        raise CapitalError(invalid(name, value, "must be finite"))
    return out


def to_year(value: Any, name: str = "year") -> int:
    """A calendar / financial year as an int (accepts ``2023``, ``"2023"``, ``2023.0``)."""
    try:
        if isinstance(value, bool | np.bool_):
            raise ValueError
        number = float(str(value).strip())
        if not number.is_integer():
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        raise CapitalError(invalid(name, value, "must be a whole year such as 2024")) from None


def avg(values: list[Decimal] | tuple[Decimal, ...]) -> Decimal:
    """Arithmetic mean at the module's precision."""
    return CONTEXT.divide(sum(values, Decimal(0)), Decimal(len(values)))


def present(value: Decimal, places: int = 2) -> Decimal:
    """Round for presentation only (half-up, as a reader expects)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, CapitalResult):
            out = {"result": type(value).__name__, **out}
        return out
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclasses.dataclass(frozen=True)
class CapitalResult:
    """Base of every capital result: frozen, self-explaining, serialisable.

    Subclasses implement :meth:`_rows` as ``(item, value, places, reference)`` tuples.
    """

    kind: ClassVar[str] = "capital"
    #: the figures a one-line ``repr`` shows, in this order, where the result has them
    headline: ClassVar[tuple[str, ...]] = (
        "orc",
        "capital",
        "lc",
        "bic",
        "bi",
        "ilm",
        "ildc",
        "sc",
        "fc",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # dataclasses add a field-by-field __repr__ unless the class has its own: every result
        # keeps the short one below (the long content stays behind summary() / to_dict())
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = CapitalResult.__repr__  # type: ignore[method-assign]

    def __repr__(self) -> str:
        shown: list[str] = []
        for name in self.headline:
            value = getattr(self, name, None)
            if isinstance(value, Decimal) and len(shown) < 4:
                places = 6 if name == "ilm" else 2
                shown.append(
                    f"{name if name == 'capital' else name.upper()} {present(value, places):,}"
                )
        currency = getattr(self, "currency", None)
        unit = getattr(self, "bi_unit", None) or getattr(self, "unit", None)
        scale = f" × {Decimal(unit).normalize():,f}" if unit not in (None, 1) else ""
        money = f" in {currency}{scale}" if currency else ""
        return f"<{type(self).__name__}{money}: {', '.join(shown)}; summary() for every figure>"

    def _rows(self) -> list[tuple[str, Any, int | None, str]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def summary(self) -> pd.DataFrame:
        """Headline figures as a DataFrame (index ``item``; columns ``value``, ``reference``).

        Amounts are rounded to 2 dp and ratios to 6 dp here, for reading only.
        """
        rows = [
            (item, present(v, places) if isinstance(v, Decimal) and places is not None else v, ref)
            for item, v, places, ref in self._rows()
        ]
        frame = pd.DataFrame(rows, columns=["item", "value", "reference"]).set_index("item")
        frame.attrs["result"] = type(self).__name__
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Every field at full precision, JSON-serialisable (Decimals as strings)."""
        out: dict[str, Any] = _jsonable(self)
        return out

    def _repr_html_(self) -> str:
        return f"<p><b>{type(self).__name__}</b></p>" + self.summary().to_html()
