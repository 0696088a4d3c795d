"""The base of every fact: a frozen pydantic model with a stable name and a schema version.

A fact's ``event_type`` is a stable dotted name stored in the log (never a Python path), and its
``schema_version`` says which payload shape it has; older shapes are upcast on read
(:mod:`oprisk.store.upcasting`). Payloads serialise to JSON with ``Decimal`` as strings and dates
in ISO form, so amounts round-trip exactly. The facts themselves are defined in
:mod:`oprisk.domain.events` and :mod:`oprisk.domain.assessments`; the registry of all of them is
assembled in :mod:`oprisk.domain.events`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, PlainSerializer

# Decimals are kept as strings in JSON (exact), never as floats.
Amount = Annotated[
    Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")
]


class Fact(BaseModel):
    """Base class of every fact; subclasses set ``event_type`` and ``schema_version``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    def payload(self) -> dict[str, Any]:
        """The JSON-ready payload stored in the log (``model_dump(mode="json")``, called directly)."""
        return self.__pydantic_serializer__.to_python(self, mode="json")


F = TypeVar("F", bound=Fact)


def fact(name: str, version: int = 1) -> Callable[[type[F]], type[F]]:
    """Give a fact class its stable name and schema version (``events.REGISTRY`` lists it)."""

    def name_it(cls: type[F]) -> type[F]:
        cls.event_type, cls.schema_version = name, version
        return cls

    return name_it
