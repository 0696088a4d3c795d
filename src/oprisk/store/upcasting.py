"""Upcasters: functions that bring an old payload shape up to date on read.

History is never rewritten: the log keeps the payload as it was written, with its
``schema_version``; readers see the current shape. Register ``(event_type, from_version) → fn``;
``fn(payload) -> payload`` returns the shape of ``from_version + 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oprisk.errors import UpcastError

Payload = dict[str, Any]


class Upcasters:
    def __init__(self) -> None:
        self._fns: dict[tuple[str, int], Callable[[Payload], Payload]] = {}
        self._current: dict[str, int] = {}

    def register(
        self, event_type: str, from_version: int, fn: Callable[[Payload], Payload]
    ) -> None:
        self._fns[(event_type, from_version)] = fn

    def expect(self, event_type: str, version: int) -> None:
        """Declare the current schema version of a fact (reading an older one must upcast to it)."""
        self._current[event_type] = version

    def upcast(self, event_type: str, version: int, payload: Payload) -> tuple[int, Payload]:
        target = self._current.get(event_type, version)
        while version < target:
            fn = self._fns.get((event_type, version))
            if fn is None:
                raise UpcastError(
                    f"no upcaster for {event_type!r} from schema version {version} to {target}"
                )
            payload = fn(dict(payload))
            version += 1
        return version, payload


def default_upcasters() -> Upcasters:
    """The upcasters of oprisk's own facts, with each fact's current schema version declared."""
    from oprisk.domain.events import REGISTRY

    u = Upcasters()
    for name, cls in REGISTRY.items():
        u.expect(name, cls.schema_version)
    return u
