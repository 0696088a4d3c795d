"""What an export and an export check return: short reprs, a ``summary()`` frame, HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .table import Table

__all__ = ["Built", "ExportResult", "VerifyReport"]


@dataclass(frozen=True, repr=False)
class ExportResult:
    """The files one export wrote (name → SHA-256) and its manifest (``manifest.json``)."""

    out_dir: Path
    files: dict[str, str]  # name → sha256
    manifest: dict[str, Any]

    def __repr__(self) -> str:
        cut = self.manifest.get("knowledge_cutoff") or {}
        return (
            f"<ExportResult {len(self.files)} file(s) in {str(self.out_dir)!r}, framework "
            f"{self.manifest.get('framework')}, period {_period(self.manifest)}, "
            f"as known at position {cut.get('position')}>"
        )

    def summary(self) -> pd.DataFrame:
        """One row per file written: its name and SHA-256."""
        return pd.DataFrame(
            {"file": list(self.files), "sha256": list(self.files.values())}, dtype="string"
        )

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.summary().to_html(index=False)


@dataclass(frozen=True, repr=False)
class VerifyReport:
    """``export --verify``: the export re-run from its manifest and compared file by file."""

    out_dir: Path
    ok: bool
    checked: tuple[str, ...]
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {len(self.checked)} file(s) in {self.out_dir} reproduced byte for byte"
        return "\n".join(["FAILED:", *(f"  {p}" for p in self.problems)])

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"FAILED ({len(self.problems)} problem(s))"
        return (
            f"<VerifyReport {state}: {len(self.checked)} file(s) checked in {str(self.out_dir)!r}>"
        )

    def summary(self) -> pd.DataFrame:
        """One row per finding: ``kind`` (checked, problem, note) and ``text``."""
        rows = [("checked", c) for c in self.checked] + [("problem", p) for p in self.problems]
        rows += [("note", n) for n in self.notes]
        return pd.DataFrame(rows, columns=["kind", "text"], dtype="string")

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.summary().to_html(index=False)


@dataclass(frozen=True)
class Built:
    """The tables of one export and what the CRR3 run behind them found."""

    framework: str
    templates: list[str]
    tables: list[Table]
    crr3: dict[str, Any] | None = None


def _period(manifest: dict[str, Any]) -> Any:
    period = manifest.get("period")
    return period.get("label", period) if isinstance(period, dict) else period
