"""Services that sit on the database facade: gather inputs as of a cut-off, call the pure modules.

``oprisk.capital`` stays pure (no database); :class:`CapitalService` (``db.capital``) reads the
financial inputs, the loss ledger and the FX rates as the database knew them at one knowledge
cut-off and hands them to the capital functions. Submodules are imported on first use, so
importing one service does not import the others.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CapitalRun", "CapitalService"]


def __getattr__(name: str) -> Any:
    if name in ("CapitalRun", "CapitalService"):
        from . import capital

        return getattr(capital, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
