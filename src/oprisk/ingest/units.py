"""Amount units: the words a header, a cell or a mapping uses for a multiplier (万元, thousands, m)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from oprisk.errors import MappingError, invalid
from oprisk.ingest.fields import fold

__all__ = ["MAX_UNIT", "UNIT_WORDS", "parse_unit"]

MAX_UNIT = Decimal(10) ** 12  # a trillion: above any unit word; 1e400 is a typo, not a unit

# Words for amount units, in headers (``损失金额(万元)``) and mappings (``unit = "万元"``).
UNIT_WORDS: dict[str, Decimal] = {
    "元": Decimal(1), "yuan": Decimal(1), "units": Decimal(1), "unit": Decimal(1), "": Decimal(1),
    "千": Decimal(10**3), "千元": Decimal(10**3), "k": Decimal(10**3), "thousand": Decimal(10**3),
    "thousands": Decimal(10**3), "000": Decimal(10**3), "000s": Decimal(10**3),
    "万": Decimal(10**4), "万元": Decimal(10**4), "十万": Decimal(10**5), "十万元": Decimal(10**5),
    "百万": Decimal(10**6), "百万元": Decimal(10**6), "m": Decimal(10**6), "mn": Decimal(10**6),
    "mm": Decimal(10**6), "mio": Decimal(10**6), "million": Decimal(10**6),
    "millions": Decimal(10**6), "千万": Decimal(10**7), "千万元": Decimal(10**7),
    "亿": Decimal(10**8), "亿元": Decimal(10**8), "bn": Decimal(10**9), "billion": Decimal(10**9),
    "billions": Decimal(10**9), "萬": Decimal(10**4), "萬元": Decimal(10**4), "億": Decimal(10**8),
    "億元": Decimal(10**8), "千萬": Decimal(10**7), "千萬元": Decimal(10**7), "百萬": Decimal(10**6),
    "百萬元": Decimal(10**6),
}  # fmt: skip


def parse_unit(text: object, *, key: str = "unit") -> Decimal:
    """A unit word (``万元``, ``thousands``, ``m``) or a positive number → its multiplier."""
    if isinstance(text, int | float) and not isinstance(text, bool) and 0 < text <= MAX_UNIT:
        return Decimal(str(text))
    if isinstance(text, str):
        folded = fold(text).replace("'", "").replace("’", "").replace(" ", "")
        folded = folded.removeprefix("in")
        if folded in UNIT_WORDS:
            return UNIT_WORDS[folded]
        try:
            value = Decimal(folded)
        except InvalidOperation:
            pass
        else:
            if value.is_finite() and 0 < value <= MAX_UNIT:
                return value
    raise MappingError(
        invalid(
            key,
            text,
            "must be a unit (元, 千元, 万元, 亿元, thousands, millions …) or a positive number "
            "up to 10^12",
        )
    )
