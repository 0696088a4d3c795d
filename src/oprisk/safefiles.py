"""Writing files safely, and text cells that spreadsheets cannot run (importable from every layer).

* **Atomic, no symlink followed.** :func:`atomic_write` and :func:`atomic_open` write to a new
  temporary file in the target's folder (``O_CREAT | O_EXCL``: never an existing file, never
  through a symlink), flush it to disk and rename it over the target; a rename replaces a
  symlink at the target itself, it never writes through it. A reader sees the old file or the
  new one, never half of one; a failure leaves the old file as it was.
* **Modes.** Files are created with the mode asked for (0640 by default: the owner writes, the
  group reads, nobody else), whatever the process umask would give.
* **CSV injection** (OWASP): a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is what spreadsheet programs run as a formula (``=cmd|'/C calc'!A0``,
  ``=HYPERLINK(…)``); :func:`csv_cell` prefixes it with a single quote so that it is shown as
  text. Numbers stay numbers: ``-5000`` and ``+1.5e3`` are not escaped.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = [
    "FILE_MODE",
    "FORMULA_START",
    "atomic_open",
    "atomic_write",
    "csv_cell",
    "csv_row",
    "private_file",
    "write_new",
]

FILE_MODE = 0o640
#: the characters that start a formula in Excel, LibreOffice and Google Sheets (OWASP)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula: text starting with a formula character
    gets a leading ``'`` (OWASP's recommendation); numbers and other values are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    """:func:`csv_cell` applied to every cell of a row."""
    return [csv_cell(v) for v in values]


@contextmanager
def atomic_open(
    path: str | os.PathLike[str],
    mode: int = FILE_MODE,
    *,
    text: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """Open a new temporary file next to ``path`` for writing; on success it is flushed, synced
    and renamed to ``path`` with permissions ``mode``; on an exception it is removed."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        raw = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with raw:
            if text:
                fh = io.TextIOWrapper(raw, encoding=encoding, newline=newline)
                yield fh
                fh.flush()
                fh.detach()  # the raw file is closed by its own ``with``
            else:
                yield raw
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int = FILE_MODE) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, mode) as fh:
        fh.write(data)


def write_new(path: str | os.PathLike[str], data: bytes, mode: int = FILE_MODE) -> None:
    """Create ``path`` (refusing an existing file or symlink) with ``mode`` and write ``data``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, mode)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), mode)  # the umask may have taken bits away; set exactly
        fh.write(data)


def private_file(path: str | os.PathLike[str], mode: int = 0o600) -> None:
    """Create an empty file with ``mode`` if ``path`` does not exist yet (so that a program that
    then opens it, like SQLite, never creates it with the umask's permissions)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, mode))


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
