"""JSON Lines: one object per line; numbers keep their exact digits."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from oprisk.ingest.encoding import opener, sniff_encoding
from oprisk.ingest.records import Record, RecordReader
from oprisk.ingest.rejects import Reject

__all__ = ["JsonlReader"]


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)  # numbers keep their digits: 0.10 stays 0.10, never 0.1000000000000000055
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=float)


class JsonlReader(RecordReader):
    """One JSON object per line; numbers keep their exact text; a malformed line is rejected."""

    def __init__(
        self, path: Path, *, encoding: str | None = None, compressed: bool = False
    ) -> None:
        self.path = path
        self.encoding = encoding or sniff_encoding(path, compressed=compressed)
        self._file = io.TextIOWrapper(
            opener(path, compressed)(), encoding=self.encoding, newline=""
        )
        self.header_line = 0
        self._lines = enumerate(self._file, start=1)
        self._head: list[Record] = []
        self.columns = []
        for record in self._iter():  # the first well-formed object's keys are the columns
            self._head.append(record)
            if not record.problems or len(self._head) >= 1000:
                self.columns = [] if record.problems else list(record.values)
                break
        self._records = self._all()

    def _all(self) -> Iterator[Record]:
        yield from self._head
        self._head = []
        yield from self._iter()

    def _iter(self) -> Iterator[Record]:
        loads = json.loads
        for n, line in self._lines:
            text = line.strip().lstrip("\ufeff")
            if not text:
                continue
            try:
                obj = loads(text, parse_float=Decimal)
            except ValueError as exc:
                why = f"malformed JSON: {exc.args[0] if exc.args else exc}"
                yield Record(n, {"_raw": text[:1000]}, (Reject(n, None, text[:200], why),))
                continue
            if not isinstance(obj, dict):
                why = f"the line is a JSON {type(obj).__name__}, not an object"
                yield Record(n, {"_raw": text[:1000]}, (Reject(n, None, text[:200], why),))
                continue
            yield Record(n, {str(k): _json_text(v) for k, v in obj.items()})

    def close(self) -> None:
        self._file.close()
