"""The lattice units' cdfs in one file that local worker processes map instead of pickling them.

On local processes each unit's lattice (1 MB at the default 2¹⁷ points) would otherwise be pickled
three times: from its grid task back to the caller, then from the caller to every block task —
about 170 MB for 56 units on two workers, copied by the caller alone while the workers wait for
their blocks, and unpickled again by each worker before it can start. Instead the grid task writes
its cdf into its row of a file in ``/dev/shm`` (memory, where the system has it) and returns the
figures only; the block tasks map the file read-only. The numbers are the same bytes either way.

A Dask cluster's workers share no file with the caller: there the lattices travel with the tasks.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["SharedCdfs", "Slot", "shared_cdfs"]


@dataclass(frozen=True)
class Slot:
    """Where one unit's cdf lives: row ``row`` of the ``rows`` × ``points`` float64 file ``path``."""

    path: str
    rows: int
    points: int
    row: int

    def array(self, mode: Literal["r", "r+"]) -> np.ndarray:
        return np.memmap(self.path, np.float64, mode, shape=(self.rows, self.points))


def shared_cdfs(rows: int, points: int) -> SharedCdfs | None:
    """A :class:`SharedCdfs`, or None where no file can be made (the lattices are then pickled)."""
    try:
        return SharedCdfs(rows, points)
    except OSError:
        return None


class SharedCdfs:
    """A file for ``rows`` cdfs of ``points`` cells each, removed by :meth:`close` (a context
    manager)."""

    def __init__(self, rows: int, points: int) -> None:
        folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
        fd, self.path = tempfile.mkstemp(prefix="oprisk-lattices-", suffix=".f8", dir=folder)
        try:
            os.ftruncate(fd, rows * points * 8)
        finally:
            os.close(fd)
        self.rows, self.points = rows, points

    def slot(self, row: int) -> Slot:
        return Slot(self.path, self.rows, self.points, row)

    def close(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def __enter__(self) -> SharedCdfs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
