"""The load's progress, reported through :mod:`oprisk.progress` (tqdm on a terminal and in
Jupyter, a periodic status line on stderr otherwise, nothing with ``progress=False``).

Per file: bytes read out of the file's size when the reader can tell (a percentage and an ETA),
else rows; the note beside the bar gives rows, rows/s and rejects so far. The note is refreshed at
most ten times a second, so the cost per row is one method call.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from oprisk.progress import Progress, ProgressOption, progress

__all__ = ["LoadProgress"]


class LoadProgress:
    """One reporter per file (or the caller's own :class:`~oprisk.progress.Progress` for all)."""

    def __init__(self, option: ProgressOption = None, *, every: float = 0.1) -> None:
        self.option, self.every = option, every
        self._bar: Progress = Progress()
        self._position: Callable[[], int] | None = None
        self._t0 = self._last = 0.0
        self._done = 0

    def start(self, label: str, size: int | None, position: Callable[[], int] | None) -> None:
        given = isinstance(self.option, Progress)  # the caller's reporter counts rows
        self._position = position if size and not given else None
        total, unit = (size, "B") if self._position else (None, "rows")
        self._bar = progress(self.option, total=total, desc=label, unit=unit)
        if given:
            self._bar.set_description(label)
        self._t0 = time.monotonic()
        self._last, self._done = 0.0, 0

    def update(self, rows: int, rejects: int) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        self._advance(rows, rejects, now)

    def finish(self, rows: int, rejects: int) -> None:
        if self._position is not None and self._bar.total:
            self._bar.update(self._bar.total - self._done)
            self._done = int(self._bar.total)
        self._advance(rows, rejects, time.monotonic())
        self._bar.close()

    def _advance(self, rows: int, rejects: int, now: float) -> None:
        if self._position is not None:
            try:
                at = self._position()
            except (OSError, ValueError):
                at = self._done
        else:
            at = rows
        if at > self._done:
            self._bar.update(at - self._done)
            self._done = at
        rate = rows / max(now - self._t0, 1e-9)
        self._bar.set_note(
            f"{rows:,} rows, {rate:,.0f} rows/s, {rejects:,} reject{'s' if rejects != 1 else ''}"
        )
