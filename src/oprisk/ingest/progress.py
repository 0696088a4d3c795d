"""A progress bar for ``oprisk load`` on stderr: rows, rows/s, rejects so far (silent off a TTY).

The bar redraws at most ten times a second, so its cost per row is one method call. It shows a
percentage when the reader can say how far into the file it is (a byte offset), else a spinner.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["NullProgress", "Progress", "make_progress"]


class NullProgress:
    """The do-nothing progress (not a TTY, or turned off)."""

    def start(self, label: str, fraction: Callable[[], float | None] | None = None) -> None:
        pass

    def update(self, rows: int, rejects: int) -> None:
        pass

    def finish(self, rows: int, rejects: int) -> None:
        pass


class Progress(NullProgress):
    """``label  [#####.....]  42%  120,000 rows  18,311 rows/s  7 rejects`` on one line of ``stream``."""

    SPIN = "|/-\\"

    def __init__(
        self, stream: TextIO | None = None, *, width: int = 24, every: float = 0.1
    ) -> None:
        self.stream = stream or sys.stderr
        self.width, self.every = width, every
        self.label = ""
        self._fraction: Callable[[], float | None] | None = None
        self._t0 = self._last = 0.0
        self._ticks = 0

    def start(self, label: str, fraction: Callable[[], float | None] | None = None) -> None:
        self.label, self._fraction = label, fraction
        self._t0 = time.monotonic()
        self._last = 0.0
        self._ticks = 0

    def update(self, rows: int, rejects: int) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        self._draw(rows, rejects, now, done=False)

    def finish(self, rows: int, rejects: int) -> None:
        self._draw(rows, rejects, time.monotonic(), done=True)
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, rows: int, rejects: int, now: float, *, done: bool) -> None:
        elapsed = max(now - self._t0, 1e-9)
        frac: float | None = 1.0 if done else None
        if not done and self._fraction is not None:
            try:
                frac = self._fraction()
            except (OSError, ValueError):
                frac = None
        if frac is None:
            self._ticks += 1
            bar = f"[{self.SPIN[self._ticks % len(self.SPIN)]}]"
        else:
            frac = min(max(frac, 0.0), 1.0)
            full = int(frac * self.width)
            bar = f"[{'#' * full}{'.' * (self.width - full)}] {frac:4.0%}"
        text = (
            f"\r{self.label}  {bar}  {rows:,} rows  {rows / elapsed:,.0f} rows/s  "
            f"{rejects:,} reject{'s' if rejects != 1 else ''}"
        )
        self.stream.write(text + "\x1b[K")
        self.stream.flush()


def make_progress(
    progress: bool | NullProgress | None, stream: TextIO | None = None
) -> NullProgress:
    """``None``: a bar if ``stream`` (default stderr) is a TTY; ``True``/``False``: force; or an object."""
    if isinstance(progress, NullProgress):
        return progress
    out = stream or sys.stderr
    if progress is None:
        try:
            progress = out.isatty()
        except (AttributeError, ValueError):
            progress = False
    return Progress(out) if progress else NullProgress()
