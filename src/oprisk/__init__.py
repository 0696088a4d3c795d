"""oprisk: an event-sourced operational-risk loss-event database with a capital module.

``oprisk.connect(url=None)`` opens a database and returns a :class:`~oprisk.api.Database`.
Nothing is created at import time: no engine, connection or settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oprisk._version import __version__

__all__ = ["Database", "__version__", "connect"]

if TYPE_CHECKING:
    from oprisk.api import Database


def connect(url: str | None = None, **kwargs: Any) -> Database:
    """Open a loss-event database; see :func:`oprisk.api.connect`."""
    from oprisk.api import connect as _connect

    return _connect(url, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "Database":
        from oprisk.api import Database

        return Database
    raise AttributeError(name)
