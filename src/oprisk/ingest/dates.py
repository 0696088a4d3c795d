"""Date cells: ISO 8601 always, then the mapping's formats in order (strptime or Excel serials)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from oprisk.ingest.fields import Invalid

__all__ = ["parse_date"]

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 after Excel's fictitious 1900-02-29
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_SERIALS = (61, 2958465)  # 1900-03-01 … 9999-12-31
_EXAMPLE = date(2024, 3, 15)


def parse_date(raw: str, formats: tuple[str, ...]) -> date:
    """A date cell → the date; ``formats`` are strptime formats or ``"excel"`` (a date serial)."""
    s = raw.strip()
    m = _ISO_DATE.match(s)
    if m:  # ISO 8601 is always accepted (the XLSX reader renders date cells so)
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if m.group(4) is not None:
                time(int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
        except ValueError:
            what = "date" if m.group(4) is None else "date and time of day"
            raise Invalid(f"not a real calendar {what}") from None
        return day
    out_of_range = False
    for fmt in formats:
        if fmt == "excel":
            serial = _serial(s)
            if serial is not None:
                return _EXCEL_EPOCH + timedelta(days=serial)
            continue
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError as exc:
            out_of_range = out_of_range or "out of range" in str(exc)
    if out_of_range:
        raise Invalid("not a real calendar date")
    serial = _serial(s)
    if serial is not None and "excel" not in formats:
        day = _EXCEL_EPOCH + timedelta(days=serial)
        raise Invalid(
            f"looks like an Excel date serial ({s} = {day.isoformat()}); if it is one, add "
            '"excel" to [read] date_formats'
        )
    raise Invalid(_expected(formats))


def _serial(s: str) -> int | None:
    """An Excel date serial (an integer in the range of real dates), or ``None``."""
    try:
        value = float(s)
    except ValueError:
        return None
    if value.is_integer() and _SERIALS[0] <= value <= _SERIALS[1]:
        return int(value)
    return None


@lru_cache(maxsize=64)
def _expected(formats: tuple[str, ...]) -> str:
    """``expected a date like 2024-03-15 (or 15.03.2024, 2024年03月15日) …``."""
    examples: list[str] = []
    for fmt in formats:
        if fmt == "excel":
            example = f"the Excel serial {(_EXAMPLE - _EXCEL_EPOCH).days}"
        else:
            try:
                example = _EXAMPLE.strftime(fmt)
            except ValueError:
                continue
        if example not in examples:
            examples.append(example)
    also = f" (or {', '.join(examples)})" if examples else ""
    return f"expected a date like 2024-03-15{also}; other formats go in [read] date_formats"
