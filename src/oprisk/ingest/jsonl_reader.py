"""JSON Lines: one object per line; numbers keep their exact digits.

A line is read with a size limit (``max_line_length``), its nesting is measured before it is
parsed (``max_nesting_depth``: a line nested 3,000 deep would exhaust the parser's recursion),
an object with a repeated key is rejected (JSON parsers silently keep the last value), and so
is a line introducing keys beyond ``max_columns`` distinct keys in the file.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from oprisk.ingest.encoding import opener, sniff_encoding
from oprisk.ingest.limits import Limits
from oprisk.ingest.records import (
    CHUNK,
    READ_ERRORS,
    ExactNumber,
    Record,
    RecordReader,
    oversize_cells,
)
from oprisk.ingest.rejects import Reject

__all__ = ["JsonlReader"]

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


class _Malformed(ValueError):
    """A line that is JSON but not acceptable (a repeated key, NaN)."""


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        # numbers keep their digits: 0.10 stays 0.10, never 0.1000000000000000055
        return ExactNumber(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=float)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Malformed(
                    f"the key {key!r} appears twice in one object (which value is meant?)"
                )
            seen.add(key)
    return obj


def _constant(name: str) -> Any:
    raise _Malformed(f"{name} is not a JSON number")


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings aside)."""
    depth = deepest = 0
    for ch in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if ch in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


class JsonlReader(RecordReader):
    """One JSON object per line; numbers keep their exact text; a malformed line is rejected."""

    columns_can_grow = True

    def __init__(
        self,
        path: Path,
        *,
        encoding: str | None = None,
        compressed: bool = False,
        limits: Limits | None = None,
    ) -> None:
        self.path = path
        self.limits = limits or Limits()
        self.encoding = encoding or sniff_encoding(path, compressed=compressed)
        self._file = io.TextIOWrapper(
            opener(path, compressed)(), encoding=self.encoding, newline=""
        )
        self.header_line = 0
        self._keys: set[str] = set()
        self._head: list[Record] = []
        self._it = self._iter()
        self.columns = []
        for record in self._it:  # the first well-formed object's keys are the columns
            self._head.append(record)
            if not record.problems or len(self._head) >= 1000:
                self.columns = [] if record.problems else list(record.values)
                break
        self._records = self._all()

    def _all(self) -> Iterator[Record]:
        yield from self._head
        self._head = []
        yield from self._it

    def _lines(self) -> Iterator[tuple[int, str | None]]:
        """(line number, text), the text ``None`` for a line over ``max_line_length``."""
        limit, read = self.limits.max_line_length, self._file.readline
        n = 0
        while True:
            line = read(limit + 1)
            if not line:
                return
            n += 1
            if len(line) > limit and not line.endswith(("\n", "\r")):
                while line and not line.endswith(("\n", "\r")):
                    line = read(CHUNK)  # skip the rest of the line without keeping it
                yield n, None
                continue
            yield n, line

    def _iter(self) -> Iterator[Record]:
        loads, limits = json.loads, self.limits
        lines = self._lines()
        n = 0
        while True:
            try:
                n, line = next(lines)
            except StopIteration:
                return
            except READ_ERRORS as exc:
                why = f"the file cannot be read from here on ({exc}); the rest of it is not loaded"
                yield Record(n + 1, {"_raw": None}, (Reject(n + 1, None, None, why),))
                return
            if line is None:
                why = f"the line is longer than {limits.describe('max_line_length')} characters"
                yield Record(n, {"_raw": None}, (Reject(n, None, None, why),))
                continue
            text = line.strip().lstrip("\ufeff")
            if not text:
                continue
            try:
                if text.count("[") + text.count("{") > limits.max_nesting_depth:
                    depth = _depth(text)
                    if depth > limits.max_nesting_depth:
                        raise _Malformed(
                            f"nested {depth:,} deep, above {limits.describe('max_nesting_depth')}"
                        )
                obj = loads(
                    text,
                    parse_float=Decimal,
                    parse_constant=_constant,
                    object_pairs_hook=_object,
                )
            except (ValueError, RecursionError) as exc:
                why = f"malformed JSON: {exc.args[0] if exc.args else type(exc).__name__}"
                yield Record(n, {"_raw": text[:1000]}, (Reject(n, None, text[:200], why),))
                continue
            if not isinstance(obj, dict):
                why = f"the line is a JSON {type(obj).__name__}, not an object"
                yield Record(n, {"_raw": text[:1000]}, (Reject(n, None, text[:200], why),))
                continue
            values = {str(k): _json_text(v) for k, v in obj.items()}
            new = values.keys() - self._keys
            if new:
                if len(self._keys) + len(new) > limits.max_columns:
                    why = (f"the line brings the file's distinct keys above "
                           f"{limits.describe('max_columns')}: {', '.join(sorted(new)[:5])} …")  # fmt: skip
                    yield Record(n, {"_raw": text[:1000]}, (Reject(n, None, None, why),))
                    continue
                self._keys.update(new)
            if len(text) > limits.max_field_size:
                cells = [v or "" for v in values.values()]
                yield Record(
                    n, values, oversize_cells(n, list(values), cells, limits.max_field_size)
                )
                continue
            yield Record(n, values)

    def close(self) -> None:
        self._file.close()
