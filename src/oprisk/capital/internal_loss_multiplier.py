"""The Internal Loss Multiplier ILM = ln(e − 1 + (LC/BIC)^0.8) [OPE25.8].

The ILM needs ln and a power; they are computed with :mod:`decimal` (``Decimal.ln`` / ``exp``) at
60 significant digits and rounded to the module's 40, so results are deterministic on every
platform and ILM = 1 exactly when LC = BIC.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from oprisk.errors import CapitalError, invalid

from .indicator import BICResult
from .losses import LossComponentResult
from .results import CONTEXT, CapitalResult, to_decimal

_HIGH = Context(prec=60)
_ONE = Decimal(1)
#: ILM exponent [OPE25.8].
ILM_EXPONENT = Decimal("0.8")


@dataclass(frozen=True)
class ILMResult(CapitalResult):
    """ILM = ln(e − 1 + (LC/BIC)^0.8) with its intermediate figures [OPE25.8]."""

    lc: Decimal
    bic: Decimal
    ratio: Decimal
    ratio_power: Decimal
    ilm: Decimal
    method: str = "decimal ln/exp, 60 digits, rounded to 40"

    def _rows(self) -> list[tuple[str, Any, int | None, str]]:
        return [
            ("LC", self.lc, 2, "OPE25.8"),
            ("BIC", self.bic, 2, "OPE25.7"),
            ("LC / BIC", self.ratio, 6, "OPE25.8"),
            ("(LC / BIC)^0.8", self.ratio_power, 6, "OPE25.8"),
            ("ILM", self.ilm, 6, "OPE25.8"),
        ]


def ilm(lc: LossComponentResult | Any, bic: BICResult | Any) -> ILMResult:
    """Internal Loss Multiplier ILM = ln(e − 1 + (LC / BIC)^0.8) [OPE25.8].

    ILM = 1 when LC = BIC, > 1 above, < 1 below; ln(e − 1) ≈ 0.5413 as LC → 0.

    Parameters
    ----------
    lc
        A :class:`LossComponentResult` or the LC as a number (≥ 0).
    bic
        A :class:`BICResult` or the BIC as a number (> 0). When both are results the LC is
        rescaled to the BIC's unit (``lc.unit`` / ``bic.bi_unit``); plain numbers must share a unit.

    Returns
    -------
    ILMResult

    Examples
    --------
    >>> round(ilm(Decimal("343.50"), Decimal("291.75")).ilm, 6)
    Decimal('1.050063')
    """
    lc_value = _lc_in_bi_units(lc, bic)
    bic_value = to_decimal(bic.bic if isinstance(bic, BICResult) else bic, "bic")
    if bic_value <= 0:
        raise CapitalError(invalid("bic", bic_value, "must be > 0 for the ILM"))
    if lc_value < 0:
        raise CapitalError(invalid("lc", lc_value, "must be ≥ 0"))
    ratio = _HIGH.divide(lc_value, bic_value)
    power = _HIGH.exp(_HIGH.multiply(ILM_EXPONENT, _HIGH.ln(ratio))) if ratio > 0 else Decimal(0)
    e_minus_1 = _HIGH.subtract(_HIGH.exp(_ONE), _ONE)
    value = _HIGH.ln(_HIGH.add(e_minus_1, power))
    return ILMResult(
        lc=lc_value,
        bic=bic_value,
        ratio=CONTEXT.plus(ratio),
        ratio_power=CONTEXT.plus(power),
        ilm=CONTEXT.plus(value),
    )


def _lc_in_bi_units(lc: Any, bic_: Any) -> Decimal:
    if isinstance(lc, LossComponentResult):
        if isinstance(bic_, BICResult) and lc.currency != bic_.currency:
            raise CapitalError(
                invalid("lc", f"{lc.lc} {lc.currency}", f"the BIC is in {bic_.currency}")
            )
        unit = bic_.bi_unit if isinstance(bic_, BICResult) else lc.unit
        return CONTEXT.divide(CONTEXT.multiply(lc.lc, lc.unit), unit)
    return to_decimal(lc, "lc")
