"""Date cells: ISO 8601 always, then the mapping's formats in order (strptime or Excel serials)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from oprisk.ingest.fields import Invalid

__all__ = ["parse_date"]

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 after Excel's fictitious 1900-02-29
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def parse_date(raw: str, formats: tuple[str, ...]) -> date:
    """A date cell → the date; ``formats`` are strptime formats or ``"excel"`` (a date serial)."""
    s = raw.strip()
    m = _ISO_DATE.match(s)
    if m:  # ISO 8601 is always accepted (the XLSX reader renders date cells so)
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise Invalid("not a real calendar date") from None
    out_of_range = False
    for fmt in formats:
        if fmt == "excel":
            try:
                serial = float(s)
            except ValueError:
                continue
            if serial.is_integer() and 61 <= serial <= 2958465:
                return _EXCEL_EPOCH + timedelta(days=int(serial))
            continue
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError as exc:
            out_of_range = out_of_range or "out of range" in str(exc)
    if out_of_range:
        raise Invalid("not a real calendar date")
    raise Invalid("not a date in the formats " + ", ".join(formats))
