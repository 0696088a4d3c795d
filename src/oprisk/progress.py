"""Progress for long jobs (loads, simulations, fits, exports, the demo, verify, rebuild).

Every long library call takes ``progress=``: ``None`` (the default: a bar on a terminal or in
Jupyter, a one-line status every few seconds on stderr otherwise, so a job shorter than that
prints nothing), ``True`` (always show),
``False`` (silent, as ``--quiet`` does) or a :class:`Progress` to report into. On a terminal and in
notebooks the bar is tqdm's (``tqdm.auto``: elapsed time, rate and ETA); off a terminal (CI logs,
redirected stderr) a status line is written at most every ``interval`` seconds, so logs stay short.
Nothing is printed on stdout, which stays for results.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, TextIO, Union

__all__ = ["Progress", "ProgressOption", "progress"]


class Progress:
    """A job's progress: ``update(n)`` as work is done, ``close()`` at the end (or use ``with``).

    This base class reports nothing; :func:`progress` returns one that does.
    """

    def __init__(self, total: float | None = None, desc: str = "", unit: str = "") -> None:
        self.total, self.desc, self.unit = total, desc, unit
        self.n = 0.0
        self.note = ""

    def update(self, n: float = 1) -> None:
        self.n += n

    def set_description(self, desc: str) -> None:
        self.desc = desc

    def set_note(self, note: str) -> None:
        """A short note shown after the counts (e.g. ``1,200 rows, 7 rejects``)."""
        self.note = note

    def grow(self, n: float) -> None:
        """``n`` more to do than the total said (a job that learns its size as it goes)."""
        self.total = (self.total or 0) + n

    def close(self) -> None:
        pass

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


ProgressOption = Union[bool, None, Progress]  # noqa: UP007  (a runtime alias, for signatures)


class _Bar(Progress):
    """tqdm's bar (``tqdm.auto``: the notebook widget in Jupyter, text on a terminal)."""

    def __init__(self, total: float | None, desc: str, unit: str, stream: TextIO) -> None:
        super().__init__(total, desc, unit)
        from tqdm.auto import tqdm

        sized = _columns(stream) != 0  # a pseudo-terminal with no size: tqdm would draw nothing
        self._bar = tqdm(
            total=total, desc=desc, unit=f" {unit}" if unit else "it", file=stream,
            dynamic_ncols=sized, ncols=None if sized else 100, nrows=None if sized else 24,
            unit_scale=bool(unit == "B" or (total and total >= 10_000)), leave=True, mininterval=0.2,
        )  # fmt: skip

    def update(self, n: float = 1) -> None:
        super().update(n)
        self._bar.update(n)

    def set_description(self, desc: str) -> None:
        super().set_description(desc)
        self._bar.set_description(desc)

    def set_note(self, note: str) -> None:
        super().set_note(note)
        self._bar.set_postfix_str(note)

    def grow(self, n: float) -> None:
        super().grow(n)
        self._bar.total = self.total
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()


class _Status(Progress):
    """Off a terminal: ``desc: 12,000/100,000 rows (12%), 0:15 elapsed, ~1:50 left`` every few
    seconds, and a last line when the job ends."""

    def __init__(
        self, total: float | None, desc: str, unit: str, stream: TextIO, interval: float
    ) -> None:
        super().__init__(total, desc, unit)
        self.stream, self.interval = stream, interval
        self._t0 = self._last = time.monotonic()
        self._closed = False
        self._written = False

    def update(self, n: float = 1) -> None:
        super().update(n)
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._write(now, done=False)

    def close(self) -> None:
        """The last line, if the job ran long enough to report at all (short jobs stay quiet)."""
        if not self._closed:
            self._closed = True
            if self._written:
                self._write(time.monotonic(), done=True)

    def _write(self, now: float, *, done: bool) -> None:
        elapsed = now - self._t0
        unit = f" {self.unit}" if self.unit else ""
        done_part = f"{self.n:,.0f}"
        if self.total:
            done_part += f"/{self.total:,.0f}{unit} ({min(self.n / self.total, 1):.0%})"
        else:
            done_part += unit
        text = f"{self.desc}: {done_part}, {_clock(elapsed)} elapsed"
        if not done and self.total and self.n:
            text += f", ~{_clock(elapsed * (self.total - self.n) / self.n)} left"
        if self.note:
            text += f"; {self.note}"
        if done:
            text += ", done"
        self.stream.write(text + "\n")
        self.stream.flush()
        self._written = True


def progress(
    option: ProgressOption = None,
    *,
    total: float | None = None,
    desc: str = "",
    unit: str = "",
    stream: TextIO | None = None,
    interval: float = 5.0,
) -> Progress:
    """The progress reporter ``option`` asks for (see the module docstring).

    ``OPRISK_PROGRESS=0`` silences the default, ``=1`` forces it on (e.g. in a CI log).
    """
    if isinstance(option, Progress):
        return option
    out = stream or sys.stderr
    env = os.environ.get("OPRISK_PROGRESS", "").strip().lower()
    if option is False or (option is None and env in ("0", "false", "no", "off")):
        return Progress(total, desc, unit)
    if _interactive(out):
        return _Bar(total, desc, unit, out)
    if option is True or env in ("1", "true", "yes", "on") or option is None:
        return _Status(total, desc, unit, out, interval)
    return Progress(total, desc, unit)  # pragma: no cover


def _interactive(stream: TextIO) -> bool:
    """A terminal, or a Jupyter kernel (where tqdm.auto draws a widget)."""
    if "ipykernel" in sys.modules:
        try:
            from IPython import get_ipython

            shell: Any = get_ipython()
            if shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell":
                return True
        except Exception:  # pragma: no cover - IPython missing or odd shells
            return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _columns(stream: TextIO) -> int | None:
    """The terminal's width (0 for a pseudo-terminal that was given no size), None if unknown."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return None


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
