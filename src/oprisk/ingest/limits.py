"""Resource limits of a load: what one cell, record, file or XLSX part may hold.

They keep a hostile or broken file from taking the machine's memory (a 1 GB line, a 400 MB cell
in a 400 kB XLSX, a JSON line nested 3,000 deep). Each has a default sized for real registers
and an override in the mapping's ``[limits]`` table. A record over a limit is rejected with the
limit's name; a file over one (a header too wide, an XLSX part too large) is refused before any
row is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from oprisk.errors import MappingError, invalid

__all__ = ["Limits", "parse_limits"]

_CEILING = 2**31 - 1  # the csv module's field limit is a C long; no limit may exceed it


@dataclass(frozen=True)
class Limits:
    """Resource limits (``[limits]`` in a mapping). Sizes are in characters, XLSX parts in bytes."""

    #: characters in one cell (a long incident description is ~10 kB; 1 MiB leaves room)
    max_field_size: int = 1 << 20
    #: characters in one record: a CSV record's physical lines together, a JSON line
    max_line_length: int = 4 << 20
    #: columns in the header (and distinct keys in a JSON Lines file)
    max_columns: int = 1000
    #: nesting of arrays and objects in a JSON line
    max_nesting_depth: int = 32
    #: decompressed bytes of one XML part of an XLSX workbook (the sheet, its shared strings …);
    #: the shared strings are held in memory, at up to three times this size (short strings)
    max_xlsx_part_size: int = 80_000_000

    def describe(self, name: str) -> str:
        """``max_field_size = 1,048,576`` — for messages that name the limit and its value."""
        return f"[limits] {name} = {getattr(self, name):,}"


def parse_limits(table: dict[str, Any], base: Limits) -> Limits:
    """The ``[limits]`` table of a mapping over ``base`` (the parent's limits)."""
    known = {f.name for f in fields(Limits)}
    changes: dict[str, int] = {}
    for key, value in table.items():
        if key not in known:
            raise MappingError(
                invalid(f"limits.{key}", value, "unknown limit; known: " + ", ".join(sorted(known)))
            )
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= _CEILING:
            raise MappingError(
                invalid(f"limits.{key}", value, f"must be an integer in [1, {_CEILING}]")
            )
        changes[key] = value
    return Limits(**{**base.__dict__, **changes})
