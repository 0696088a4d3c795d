"""The load report: what a load did with every row, and every rejected row with its reasons."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["MAX_REPORTED", "ColumnReport", "LoadReport", "RejectedRow", "combine"]

#: rejected rows kept in the report itself; the rejects file has every one
MAX_REPORTED = 1000


@dataclass(frozen=True)
class ColumnReport:
    """What became of every column of one file, and how its amounts were read."""

    path: str
    mapped: dict[str, str]  # source header → canonical field
    ignored: tuple[str, ...]  # left unused because the mapping says so
    unmapped: tuple[str, ...]  # in the file, not used (a warning; an error with --strict)
    decimal: str = "."
    thousands: str = ","
    numbers: str = ""  # where the convention came from: the mapping, or the cell that showed it

    def warning(self) -> str | None:
        """The line the CLI prints about unmapped columns, or ``None``."""
        if not self.unmapped:
            return None
        cols = ", ".join(map(repr, self.unmapped))
        return (
            f"{self.path}: column{'s' if len(self.unmapped) > 1 else ''} not loaded: {cols} "
            "(map them in [columns] or list them in ignore; --strict makes this an error)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "mapped": dict(self.mapped),
            "ignored": list(self.ignored),
            "unmapped": list(self.unmapped),
            "decimal": self.decimal,
            "thousands": self.thousands,
            "numbers": self.numbers,
        }


@dataclass(frozen=True)
class RejectedRow:
    """One rejected record: where it is, which event it was for, and every reason."""

    path: str
    line: int
    # "validation" (the file), "domain" (the event's current state refused it) or "store" (the
    # database or the serialisation refused the row's facts; the rest of its batch loaded)
    stage: str
    external_id: str | None
    event_id: str | None
    fields: tuple[str, ...]
    messages: tuple[str, ...]
    reasons: tuple[str, ...]  # grouping keys: "field: rule" without the values

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "stage": self.stage,
            "external_id": self.external_id,
            "event_id": self.event_id,
            "fields": list(self.fields),
            "messages": list(self.messages),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, repr=False)
class LoadReport:
    """What a load did. Invariant: ``rows_read = loaded + changed + unchanged + rejected + skipped``.

    ``loaded`` rows created a new event (line, figure), ``changed`` rows appended the difference to
    an existing one, ``unchanged`` rows appended nothing. ``skipped`` is non-zero only when
    ``strict`` found a rejected row and therefore loaded nothing (``aborted``). ``withdrawn``
    counts the loaded and changed rows that withdrew their event. With ``dry_run`` nothing was
    written: the counts and ``facts_appended`` say what a load would do.
    """

    paths: tuple[str, ...]
    kind: str
    source: str | None
    actor: str
    rows_read: int = 0
    loaded: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0
    facts_appended: int = 0
    rejects: tuple[RejectedRow, ...] = ()
    rejects_paths: tuple[str, ...] = ()
    strict: bool = False
    aborted: bool = False
    seconds: float = 0.0
    files: tuple[LoadReport, ...] = ()
    withdrawn: int = 0
    dry_run: bool = False
    columns: tuple[ColumnReport, ...] = ()
    notes: tuple[str, ...] = ()
    reasons: dict[str, int] = field(
        default_factory=dict
    )  # every rejected row per reason  # other warnings (a stale rejects file that could not be removed)

    def __post_init__(self) -> None:
        total = self.loaded + self.changed + self.unchanged + self.rejected + self.skipped
        if total != self.rows_read:
            raise ValueError(
                f"load report does not add up: {total} outcomes for {self.rows_read} rows"
            )

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    @property
    def exit_code(self) -> int:
        """The CLI's exit code: 0 every row loaded (or was unchanged), 1 some rejected."""
        return 0 if self.ok else 1

    @property
    def rejects_path(self) -> str | None:
        return self.rejects_paths[0] if self.rejects_paths else None

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    @property
    def warnings(self) -> list[str]:
        """What the CLI prints as warnings: unmapped columns, and notes."""
        return [w for c in self.columns if (w := c.warning())] + list(self.notes)

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        """Rejected rows per reason (a row with several problems counts under each), most first."""
        return dict(sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0])))

    def to_dict(self) -> dict[str, Any]:
        return {
            "paths": list(self.paths),
            "kind": self.kind,
            "source": self.source,
            "actor": self.actor,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "skipped": self.skipped,
            "facts_appended": self.facts_appended,
            "withdrawn": self.withdrawn,
            "dry_run": self.dry_run,
            "rejected_by_reason": self.rejected_by_reason,
            "rejects_paths": list(self.rejects_paths),
            "strict": self.strict,
            "aborted": self.aborted,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "rejects": [r.to_dict() for r in self.rejects],
            "columns": [c.to_dict() for c in self.columns],
            "warnings": self.warnings,
            "files": [f.to_dict() for f in self.files],
        }

    def _lines(self) -> list[tuple[str, str]]:
        rows = [
            ("rows read", f"{self.rows_read:,}"),
            ("loaded (new)", f"{self.loaded:,}"),
            ("changed", f"{self.changed:,}"),
            ("unchanged", f"{self.unchanged:,}"),
            ("rejected", f"{self.rejected:,}"),
        ]
        if self.withdrawn:
            rows.append(("  of which withdrawn", f"{self.withdrawn:,}"))
        if self.skipped:
            rows.append(("not loaded (strict)", f"{self.skipped:,}"))
        facts = "facts to append" if self.dry_run else "facts appended"
        rows.append((facts, f"{self.facts_appended:,}"))
        return rows

    def __repr__(self) -> str:
        what = self.paths[0] if len(self.paths) == 1 else f"{len(self.paths)} files"
        done = "would append" if self.dry_run else "appended"
        return (
            f"<LoadReport {what!r} ({self.kind}): {self.rows_read:,} rows, {self.loaded:,} new, "
            f"{self.changed:,} changed, {self.unchanged:,} unchanged, {self.rejected:,} rejected; "
            f"{done} {self.facts_appended:,} facts>"
        )

    def summary(self) -> pd.DataFrame:
        """The counts (``figure``, ``value``) then the rejected rows per reason."""
        rows = [(k.strip(), int(v.replace(",", ""))) for k, v in self._lines()]
        rows += [(f"rejected: {why}", n) for why, n in self.rejected_by_reason.items()]
        return pd.DataFrame({"figure": [r[0] for r in rows], "value": [r[1] for r in rows]}).astype(
            {"figure": "string", "value": "Int64"}
        )

    def text(self) -> str:
        """A plain-text table of the counts, the rejects by reason and where the rejects went."""
        what = ", ".join(self.paths)
        head = f"{what} ({self.kind}" + (f", source {self.source!r}" if self.source else "") + ")"
        if self.dry_run:
            head += " — dry run: nothing written to the database"
        lines = [head]
        lines += [f"  {k:<20}{v:>12}" for k, v in self._lines()]
        for c in self.columns:
            lines.append(_columns_line(c, len(self.columns) > 1))
        if self.rejected:
            lines.append("  rejected by reason:")
            lines += [f"  {n:>8,}  {why}" for why, n in self.rejected_by_reason.items()]
        if len(self.rejects) < self.rejected:
            lines.append(f"  (the report keeps the first {len(self.rejects):,} rejected rows; the "
                         "rejects file has them all)")  # fmt: skip
        if self.aborted:
            lines.append("  nothing loaded: strict, and some rows were rejected")
        for p in self.rejects_paths:
            lines.append(f"  rejects written to {p}")
        if self.seconds:
            lines.append(f"  {self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        esc = html.escape
        cells = "".join(
            f"<tr><td style='text-align:left'>{esc(k)}</td><td>{esc(v)}</td></tr>"
            for k, v in self._lines()
        )
        cells += "".join(
            f"<tr><td style='text-align:left'>&nbsp;&nbsp;{esc(why)}</td><td>{n:,}</td></tr>"
            for why, n in self.rejected_by_reason.items()
        )
        notes = "".join(f"<p>rejects: <code>{esc(p)}</code></p>" for p in self.rejects_paths)
        if self.aborted:
            notes += "<p><b>nothing loaded</b>: strict mode and some rows were rejected</p>"
        notes += "".join(f"<p>{esc(_columns_line(c, True).strip())}</p>" for c in self.columns)
        notes += "".join(f"<p><b>warning</b>: {esc(w)}</p>" for w in self.warnings)
        title = esc(", ".join(self.paths)) + f" ({esc(self.kind)})"
        if self.dry_run:
            title += " — dry run: nothing written"
        return f"<div><b>{title}</b><table>{cells}</table>{notes}</div>"


def _columns_line(c: ColumnReport, name: bool) -> str:
    parts = [f"{len(c.mapped)} mapped"]
    if c.ignored:
        parts.append(f"{len(c.ignored)} ignored ({', '.join(c.ignored)})")
    if c.unmapped:
        parts.append(f"{len(c.unmapped)} not loaded ({', '.join(c.unmapped)})")
    where = f" of {c.path}" if name else ""
    numbers = f"; amounts read with decimal {c.decimal!r} ({c.numbers})" if c.numbers else ""
    return f"  columns{where}: {', '.join(parts)}{numbers}"


def combine(
    reports: list[LoadReport], kind: str, source: str | None, actor: str, strict: bool
) -> LoadReport:
    if len(reports) == 1:
        return reports[0]
    kinds = {r.kind for r in reports}
    return LoadReport(
        paths=tuple(p for r in reports for p in r.paths),
        kind=kinds.pop() if len(kinds) == 1 else kind,
        source=source,
        actor=actor,
        rows_read=sum(r.rows_read for r in reports),
        loaded=sum(r.loaded for r in reports),
        changed=sum(r.changed for r in reports),
        unchanged=sum(r.unchanged for r in reports),
        rejected=sum(r.rejected for r in reports),
        skipped=sum(r.skipped for r in reports),
        facts_appended=sum(r.facts_appended for r in reports),
        rejects=tuple(x for r in reports for x in r.rejects)[:MAX_REPORTED],
        rejects_paths=tuple(p for r in reports for p in r.rejects_paths),
        strict=strict,
        aborted=any(r.aborted for r in reports),
        seconds=sum(r.seconds for r in reports),
        files=tuple(reports),
        withdrawn=sum(r.withdrawn for r in reports),
        dry_run=any(r.dry_run for r in reports),
        columns=tuple(c for r in reports for c in r.columns),
        notes=tuple(n for r in reports for n in r.notes),
        reasons=dict(sum((Counter(r.reasons) for r in reports), Counter())),
    )
