"""State a load keeps per row, bounded in memory: past a threshold it moves to a temporary file.

A load remembers a little about every row: the ids seen (to find duplicates), the ids rejected
(for the rows grouped under them), the events a dry run would create, the rows waiting for a root
that comes later in the file. For a real register that is a few megabytes; for a 1 GB file of
millions of tiny rows it would be gigabytes. :class:`SpillingDict` keeps the first entries in a
dict and the rest in a temporary SQLite file; :class:`SpillingList` keeps rows waiting for their
root in a list up to a threshold and pickles the rest to a temporary file.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterator
from typing import IO, Any, Generic, TypeVar

__all__ = ["SpillingDict", "SpillingList"]

T = TypeVar("T")
_MISSING = object()
#: entries a SpillingDict keeps in memory (~150 bytes each) before it moves to a file
MEMORY_ENTRIES = 250_000
#: rows a SpillingList keeps in memory (a few kB each) before it pickles the rest to a file
MEMORY_ROWS = 10_000


class SpillingDict:
    """A ``str`` → JSON-able value mapping that moves to a temporary SQLite file past ``limit``
    entries (in memory it costs ~150 bytes an entry; on disk, SQLite's page cache)."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MEMORY_ENTRIES if limit is None else limit
        self._mem: dict[str, Any] = {}
        self._db: sqlite3.Connection | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def __len__(self) -> int:
        if self._db is None:
            return len(self._mem)
        return int(self._db.execute("SELECT count(*) FROM kv").fetchone()[0])

    def __contains__(self, key: str) -> bool:
        return self.get(key, _MISSING) is not _MISSING

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        if self._db is None:
            return self._mem.get(key, default)
        row = self._db.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        return default if row is None else _loaded(row[0])

    def __setitem__(self, key: str, value: Any) -> None:
        if self._db is None:
            self._mem[key] = value
            if len(self._mem) > self.limit:
                self._spill()
            return
        self._db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", (key, _stored(value)))

    def setdefault(self, key: str, value: Any) -> Any:
        """The value stored for ``key``, storing ``value`` first if there is none."""
        if self._db is None:
            found = self._mem.setdefault(key, value)
            if len(self._mem) > self.limit:
                self._spill()
            return found
        cur = self._db.execute("INSERT OR IGNORE INTO kv VALUES (?, ?)", (key, _stored(value)))
        return value if cur.rowcount else self.get(key)

    def _spill(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="oprisk-load-")
        db = sqlite3.connect(os.path.join(self._dir.name, "state.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID")
        # one transaction for the file's whole life (it is thrown away, never committed): out of
        # one, every insert would be a transaction of its own, ~30x the cost of the insert
        db.execute("BEGIN")
        if all(type(v) is int for v in self._mem.values()):  # line numbers: no Python per row
            db.executemany("INSERT INTO kv VALUES (?, ?)", self._mem.items())
        else:
            db.executemany(
                "INSERT INTO kv VALUES (?, ?)", ((k, _stored(v)) for k, v in self._mem.items())
            )
        self._db, self._mem = db, {}

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


def _stored(value: Any) -> Any:
    """An integer as SQLite's own integer (most values are line numbers), anything else as JSON
    text: a spilled load then pays no JSON per row."""
    return value if type(value) is int else json.dumps(value)


def _loaded(value: Any) -> Any:
    return value if type(value) is int else json.loads(value)


class SpillingList(Generic[T]):
    """An append-only list that pickles its items to a temporary file past ``limit`` of them."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MEMORY_ROWS if limit is None else limit
        self._mem: list[T] = []
        self._file: IO[bytes] | None = None
        self._spilled = 0

    def __len__(self) -> int:
        return len(self._mem) + self._spilled

    def append(self, item: T) -> None:
        if self._file is None and len(self._mem) < self.limit:
            self._mem.append(item)
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="oprisk-load-")  # noqa: SIM115
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._spilled += 1

    def extend(self, items: list[T]) -> None:
        for item in items:
            self.append(item)

    def chunks(self, size: int) -> Iterator[list[T]]:
        """The items in order, ``size`` at a time."""
        for i in range(0, len(self._mem), size):
            yield self._mem[i : i + size]
        if self._file is None:
            return
        self._file.seek(0)
        chunk: list[T] = []
        for _ in range(self._spilled):
            chunk.append(pickle.load(self._file))
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def close(self) -> None:
        self._mem = []
        if self._file is not None:
            self._file.close()
            self._file = None
        self._spilled = 0
