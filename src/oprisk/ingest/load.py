"""Load files into a database, idempotently and incrementally (``docs/ingest.md`` §6).

:func:`load` (``Database.load``, ``oprisk load``) reads a file with :func:`~oprisk.ingest.rows.read_rows`,
turns each valid row into the domain commands that bring the database to the row's view, and
executes them in batches, one transaction (one :meth:`~oprisk.api.Database.execute`) per batch.

* A row is identified by ``(source, external_id)``; its loss event is ``f"{source}:{external_id}"``
  (``source`` defaults to the file's stem), so loading the same file twice appends nothing.
* ``incidents``: a row is the source system's view of the event *now*. First seen: report it
  (with its grouping link, gross loss, recoveries, exclusion and withdrawal). Seen before: only the
  difference is appended — an amendment, a reclassification, a link, a new ledger line for an
  amount that moved (line ids ``{source}:gross:{n}`` etc., numbered deterministically), a
  withdrawal. Amounts are compared with the totals of the lines the incidents loader of that
  source created, so movements loaded separately are not double counted.
* ``movements``: one ledger line per row, ``line_id = f"{source}:{line_id}"`` (idempotent by id).
* ``financials``: only figures that differ from the latest known one are recorded.
* ``assessments``: delegated to :func:`oprisk.services.assessments.load_assessments`.

Each batch is one write transaction: the states of its events are read once, each row is decided
against them with the domain's own ``decide`` (so a row the domain refuses is rejected whole, with
the domain's message, and the rest of the batch loads), and the facts decided are appended as
they are (``Database.execute_planned``), without a second read and decision. A killed load re-run
converges to the state of an uninterrupted one: committed batches are now "unchanged" and the
rest is computed afresh from the database.
"""

from __future__ import annotations

import gc
import html
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError
from sqlalchemy import Connection, select

from oprisk.domain import commands as c
from oprisk.domain.events import Fact, ImpactKind, RecoveryKind
from oprisk.domain.loss_event import LossEventState, decide, evolve, initial
from oprisk.errors import ConcurrencyError, DomainError, IngestionError, MappingError
from oprisk.ingest.mapping import KIND_FIELDS, load_mapping
from oprisk.ingest.mapping import Mapping as ColumnMapping
from oprisk.ingest.progress import NullProgress, make_progress
from oprisk.ingest.rejects import Reject, RejectsWriter
from oprisk.ingest.rows import FinancialRow, IncidentRow, MovementRow, RowStream, read_rows
from oprisk.projections.projector import states_from
from oprisk.store.eventstore import NewEvent
from oprisk.store.schema import loss_event_versions

if TYPE_CHECKING:
    from oprisk.api import Database

__all__ = ["LOAD_KINDS", "LoadReport", "RejectedRow", "default_source", "load"]

LOAD_KINDS = ("incidents", "movements", "financials", "assessments")
_ZERO = Decimal(0)
_MAX_ID = 200  # stream ids and line ids are VARCHAR(200)
_RESERVED = ("gross:", "insurance:", "other:")  # line ids the incidents loader writes per source
_RECOVERY_KINDS: dict[str, RecoveryKind] = {
    "recovery_insurance": "insurance",
    "recovery_other": "other",
}
_INVALID = re.compile(r"^invalid value (?P<value>.*?) for '(?P<field>[^']+)': (?P<rule>.*)$", re.S)


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RejectedRow:
    """One rejected record: where it is, which event it was for, and every reason."""

    path: str
    line: int
    stage: str  # "validation" (the file) or "domain" (the event's current state refused it)
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


@dataclass(frozen=True)
class LoadReport:
    """What a load did. Invariant: ``rows_read = loaded + changed + unchanged + rejected + skipped``.

    ``loaded`` rows created a new event (line, figure), ``changed`` rows appended the difference to
    an existing one, ``unchanged`` rows appended nothing. ``skipped`` is non-zero only when
    ``strict`` found a rejected row and therefore loaded nothing (``aborted``).
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
    def rejected_by_reason(self) -> dict[str, int]:
        """Rejected rows per reason (a row with several problems counts under each), most first."""
        counts: dict[str, int] = {}
        for r in self.rejects:
            for key in dict.fromkeys(r.reasons):
                counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

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
            "rejected_by_reason": self.rejected_by_reason,
            "rejects_paths": list(self.rejects_paths),
            "strict": self.strict,
            "aborted": self.aborted,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "rejects": [r.to_dict() for r in self.rejects],
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
        if self.skipped:
            rows.append(("not loaded (strict)", f"{self.skipped:,}"))
        rows.append(("facts appended", f"{self.facts_appended:,}"))
        return rows

    def summary(self) -> str:
        """A plain-text table of the counts, the rejects by reason and where the rejects went."""
        what = ", ".join(self.paths)
        head = f"{what} ({self.kind}" + (f", source {self.source!r}" if self.source else "") + ")"
        lines = [head]
        lines += [f"  {k:<20}{v:>12}" for k, v in self._lines()]
        if self.rejected:
            lines.append("  rejected by reason:")
            lines += [f"  {n:>8,}  {why}" for why, n in self.rejected_by_reason.items()]
        if self.aborted:
            lines.append("  nothing loaded: strict, and some rows were rejected")
        for p in self.rejects_paths:
            lines.append(f"  rejects written to {p}")
        if self.seconds:
            lines.append(f"  {self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

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
        title = esc(", ".join(self.paths)) + f" ({esc(self.kind)})"
        return f"<div><b>{title}</b><table>{cells}</table>{notes}</div>"


def _combine(
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
        rejects=tuple(x for r in reports for x in r.rejects),
        rejects_paths=tuple(p for r in reports for p in r.rejects_paths),
        strict=strict,
        aborted=any(r.aborted for r in reports),
        seconds=sum(r.seconds for r in reports),
        files=tuple(reports),
    )


# --- entry point -------------------------------------------------------------------------------


def default_source(path: str | os.PathLike[str]) -> str:
    """A file's default source name: its stem (``losses.csv.gz`` → ``losses``).

    A rejects file keeps the source of the file it came from (``losses.csv.rejects.csv`` →
    ``losses``), so fixing the cells and loading the rejects file lands on the same events.
    """
    name = Path(path).name
    if name.lower().endswith(".rejects.csv"):
        name = name[: -len(".rejects.csv")]
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem or name


def load(
    db: Database,
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    kind: str | None = None,
    mapping: ColumnMapping | str | os.PathLike[str] | None = None,
    source: str | None = None,
    actor: str = "loader",
    strict: bool = False,
    batch_size: int = 1000,
    progress: bool | NullProgress | None = None,
    sheet: str | int | None = None,
    today: date | None = None,
) -> LoadReport:
    """Load one or more files; see the module docstring and ``docs/ingest.md`` §6.

    ``kind`` defaults to the mapping's ``kind``; ``source`` to each file's stem
    (:func:`default_source`); ``progress`` ``None`` shows a bar when stderr is a TTY. Fatal
    problems (an unreadable file, a bad mapping) raise :class:`~oprisk.errors.IngestionError`;
    files before the failing one stay loaded. With ``strict``, each file is checked whole before
    any of it is written, and a file with a rejected row loads nothing and stops the load.
    """
    files = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not files:
        raise IngestionError("no file to load")
    if kind is not None and kind not in LOAD_KINDS:
        raise MappingError(
            f"invalid value {kind!r} for 'kind': must be one of {', '.join(LOAD_KINDS)}"
        )
    if batch_size < 1:
        raise MappingError(f"invalid value {batch_size!r} for 'batch_size': must be ≥ 1")
    if not str(actor).strip():
        raise MappingError(f"invalid value {actor!r} for 'actor': must not be blank")
    bar = make_progress(progress)
    on = today or date.today()
    reports: list[LoadReport] = []
    for path in files:
        if kind == "assessments":
            reports.append(_load_assessments(db, path, actor))
            continue
        m = mapping if isinstance(mapping, ColumnMapping) else load_mapping(mapping)
        src = source if source is not None else default_source(path)
        if not src.strip():
            raise MappingError(f"invalid value {src!r} for 'source': must not be blank")
        run = _FileRun(db, Path(path), kind, m, src, actor, on, batch_size, bar, sheet)
        if strict:
            probe = run.execute(dry_run=True)
            if probe.rejected:
                reports.append(
                    replace(probe, loaded=0, changed=0, unchanged=0, facts_appended=0,
                            skipped=probe.rows_read - probe.rejected, aborted=True, strict=True)
                )  # fmt: skip
                break
            report = replace(run.execute(dry_run=False), strict=True)
        else:
            report = run.execute(dry_run=False)
        reports.append(report)
    return _combine(reports, kind or "mixed", source, actor, strict)


def _load_assessments(db: Database, path: str | os.PathLike[str], actor: str) -> LoadReport:
    from oprisk.services.assessments import load_assessments_counted

    t0 = time.perf_counter()
    recorded, units = load_assessments_counted(db, Path(path), actor=actor)
    n = len(recorded)
    return LoadReport(
        paths=(str(path),), kind="assessments", source=None, actor=actor, rows_read=units,
        loaded=n, unchanged=units - n, facts_appended=n, seconds=time.perf_counter() - t0,
    )  # fmt: skip


# --- one file ----------------------------------------------------------------------------------


class _RowRejected(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


@dataclass
class _Item:
    """A valid row on its way to the database."""

    line: int
    row: Any
    record: dict[str, str | None]
    event_id: str | None = None
    commands: list[tuple[c.Command, str | None]] = field(
        default_factory=list
    )  # (command, field hint)
    outcome: str = ""  # loaded | changed | unchanged
    # what the dry run decided: per command, its facts with the state after each
    planned: list[tuple[c.Command, list[tuple[Fact, LossEventState]]]] = field(default_factory=list)


class _FileRun:
    """Loads one file: read → validate → plan against the current state → execute per batch."""

    _conn: Connection  # the current batch's transaction

    def __init__(
        self,
        db: Database,
        path: Path,
        kind: str | None,
        mapping: ColumnMapping,
        source: str,
        actor: str,
        today: date,
        batch_size: int,
        progress: NullProgress,
        sheet: str | int | None,
    ) -> None:
        self.db, self.path, self.kind, self.mapping = db, path, kind, mapping
        self.source, self.actor, self.today = source, actor, today
        self.batch_size, self.progress, self.sheet = batch_size, progress, sheet

    # -- the pipeline --

    def _open(self) -> RowStream:
        sheet = self.sheet
        try:
            return self._read(sheet)
        except IngestionError as err:
            if isinstance(sheet, str) and sheet.isdigit() and "no sheet" in str(err):
                return self._read(int(sheet))  # --sheet 1: a sheet named "1", else the index
            raise

    def _read(self, sheet: str | int | None) -> RowStream:
        kind = self.kind or self.mapping.kind
        if kind is not None:
            return read_rows(self.path, kind, self.mapping, sheet=sheet, today=self.today)
        first: MappingError | None = None
        for guess in ("incidents", "movements", "financials"):  # the kind whose columns it has
            try:
                return read_rows(self.path, guess, self.mapping, sheet=sheet, today=self.today)
            except MappingError as err:
                if "has no column for" not in str(err):
                    raise
                first = first or err
        assert first is not None
        raise MappingError(f"{first}; or name the kind with --kind") from None

    def execute(self, *, dry_run: bool) -> LoadReport:
        t0 = time.perf_counter()
        stream = self._open()
        kind = stream.kind
        self.kind = kind  # a guessed kind sticks for the second (strict) pass
        self.stream, self.dry_run, self.kind_ = stream, dry_run, kind
        self.read = self.loaded = self.changed = self.unchanged = self.rejected = self.facts = 0
        self.rejects: list[RejectedRow] = []
        self.rejected_ids: dict[str, int] = {}
        self.registry: dict[str, str | None] = {}  # dry run: event id → its root, for later rows
        self.financials: dict[tuple[Any, ...], tuple[Decimal, str]] | None = None
        flush: Callable[[list[_Item], bool], None] = {
            "incidents": self._flush_incidents,
            "movements": self._flush_movements,
            "financials": self._flush_financials,
        }[kind]
        self.deferred: list[_Item] = []
        writer = RejectsWriter(self.path, stream.columns)
        self.writer = writer
        self.progress.start(f"{self.path.name}", _fraction(stream, self.path))
        try:
            with stream, _batch_gc():
                batch: list[_Item] = []
                for result in stream:
                    self.read += 1
                    if result.row is None:
                        self._reject(result.line, result.rejects, result.record, "validation")
                    else:
                        batch.append(_Item(result.line, result.row, result.record))
                        if len(batch) >= self.batch_size:
                            flush(batch, False)
                            batch = []
                            _collect_batch()
                    self.progress.update(self.read, self.rejected)
                flush(batch, False)
                while self.deferred:  # children whose root came later in the file
                    rest, self.deferred = self.deferred, []
                    for i in range(0, len(rest), self.batch_size):
                        flush(rest[i : i + self.batch_size], True)
        except BaseException:
            writer.__exit__(RuntimeError, None, None)
            raise
        written = writer.close()
        self.progress.finish(self.read, self.rejected)
        return LoadReport(
            paths=(str(self.path),),
            kind=kind,
            source=self.source,
            actor=self.actor,
            rows_read=self.read,
            loaded=self.loaded,
            changed=self.changed,
            unchanged=self.unchanged,
            rejected=self.rejected,
            facts_appended=self.facts,
            rejects=tuple(self.rejects),
            rejects_paths=(str(written),) if written else (),
            seconds=time.perf_counter() - t0,
        )

    # -- rejects --

    def _raw(self, name: str | None, record: Mapping[str, str | None]) -> str | None:
        if name is None:
            return None
        header = self.stream.plan.sources.get(name)
        text = record.get(header) if header is not None else None
        return text if text and not text.isspace() else self.mapping.defaults.get(name, text)

    def _reject(
        self,
        line: int,
        rejects: list[Reject],
        record: dict[str, str | None],
        stage: str,
        event_id: str | None = None,
    ) -> None:
        self.rejected += 1
        self.writer.add(line, rejects, record)
        ext = self._raw("external_id", record) if self.kind_ != "financials" else None
        if event_id is None and ext and ext.strip() and self.kind_ == "incidents":
            event_id = f"{self.source}:{ext.strip()}"
        if event_id is not None:
            self.rejected_ids.setdefault(event_id, line)
        self.rejects.append(
            RejectedRow(
                path=str(self.path),
                line=line,
                stage=stage,
                external_id=ext.strip() if ext else None,
                event_id=event_id,
                fields=tuple(dict.fromkeys(r.label for r in rejects if r.field)),
                messages=tuple(r.message for r in rejects),
                reasons=tuple(_reason_key(r) for r in rejects),
            )
        )

    def _domain_reject(self, item: _Item, field_name: str | None, message: str) -> None:
        message = message.replace(
            "pass allow_excess=True if that is right", "set the gain flag if that is right"
        )
        fields = KIND_FIELDS[self.kind_]
        name, rule = field_name, message
        m = _INVALID.match(message)
        if m:
            rule = m["rule"]
            if m["field"] in fields:
                name = m["field"]
            elif m["field"] == "root_event_id" and "root_external_id" in fields:
                name = "root_external_id"
            elif name is None:
                rule = message
        reject = Reject(item.line, name, self._raw(name, item.record), rule,
                        self.stream.plan.sources.get(name) if name else None)  # fmt: skip
        self._reject(item.line, [reject], item.record, "domain", item.event_id)

    def _count(self, outcome: str) -> None:
        if outcome == "loaded":
            self.loaded += 1
        elif outcome == "changed":
            self.changed += 1
        else:
            self.unchanged += 1

    # -- executing a planned batch --

    def _states(self, ids: Iterable[str]) -> dict[str, LossEventState]:
        """The current states of the batch's events, read in the batch's transaction."""
        return states_from(self.db.store.read_streams(self._conn, ids))

    def _group_roots(self, ids: Iterable[str | None]) -> set[str] | None:
        """Which of these events are the root of a group in the database (what ``execute``
        checks before a link); ``None`` in a dry run, whose earlier batches are not written."""
        if self.dry_run:
            return None
        todo = sorted({x for x in ids if x})
        v = loss_event_versions.c
        found: set[str] = set()
        for i in range(0, len(todo), 500):
            q = select(v.root_event_id).where(
                v.root_event_id.in_(todo[i : i + 500]), v.valid_to_position.is_(None)
            )
            found.update(self._conn.execute(q).scalars())
        return found

    def _try(self, plan: Callable[[], list[_Item]]) -> None:
        """Plan and append one batch in one transaction; a concurrent writer
        (``ConcurrencyError``) means plan again.

        The batch's states are read, every row is decided against them (the dry run) and the
        facts decided are appended as they are (``Database.execute_planned``): the domain
        decides each command once. Planning has no side effects beyond ``self._pending`` (rows
        it refused) and new deferred rows, so a batch planned twice counts each row once.
        """
        mark = len(self.deferred)
        recorded: list[Any] = []
        db = self.db
        for attempt in range(3):
            self._pending: list[tuple[_Item, str | None, str]] = []
            del self.deferred[mark:]
            try:
                with db.reading() if self.dry_run else db.writing() as conn:
                    self._conn = conn
                    self._before: dict[str, LossEventState] = {}
                    items = plan()
                    if not self.dry_run:
                        recorded = self._append(conn, items)
            except ConcurrencyError:
                if attempt == 2:
                    raise
                continue
            break
        for item, hint, message in self._pending:
            self._domain_reject(item, hint, message)
        self.facts += len(recorded)
        for item in items:
            if item.outcome != "rejected":
                self._count(item.outcome)

    def _append(self, conn: Connection, items: list[_Item]) -> list[Any]:
        """Append the facts the dry runs decided, with the metadata ``execute`` would write."""
        correlation = str(uuid.uuid4())
        source, file = self.source, self.path.name
        pending: dict[str, list[NewEvent]] = {}
        folded: dict[tuple[str, int], tuple[Fact, LossEventState]] = {}
        for item in items:
            for cmd, results in item.planned:
                meta = {
                    "actor": cmd.actor,
                    "command": type(cmd).__name__,
                    "correlation_id": correlation,
                    "source": source,
                    "file": file,
                }
                events = pending.setdefault(cmd.event_id, [])
                for f, state in results:
                    events.append(NewEvent(f.event_type, f.payload(), f.schema_version, meta))
                    folded[(cmd.event_id, state.version)] = (f, state)
        if not any(pending.values()):
            return []
        return self.db.execute_planned(conn, pending, self._before, folded)

    def _refuse(self, item: _Item, hint: str | None, message: str) -> None:
        """Reject a row while planning (recorded once the batch is through)."""
        item.outcome = "rejected"
        self._pending.append((item, hint, message))

    def _dry_run(
        self, item: _Item, working: dict[str, LossEventState], roots: set[str] | None = None
    ) -> bool:
        """Decide the item's commands against the working state; reject the row on a refusal.

        ``roots``: the events that are the root of a group (for the link checks ``execute``
        makes); the links of a row that passes are added to it.
        """
        assert item.event_id is not None
        state = working.get(item.event_id) or initial(item.event_id)
        overrides = self.db.cause_overrides
        produced = 0
        planned: list[tuple[c.Command, list[tuple[Fact, LossEventState]]]] = []
        linked: list[str] = []
        for cmd, hint in item.commands:
            try:
                if roots is not None and type(cmd) is c.LinkLossEvent:
                    self.db._check_link(cmd, working, roots)
                facts = decide(cmd, state, cause_overrides=overrides)
            except DomainError as err:
                self._refuse(item, hint, str(err))
                return False
            results: list[tuple[Fact, LossEventState]] = []
            for f in facts:
                state = evolve(state, f)
                results.append((f, state))
            planned.append((cmd, results))
            produced += len(facts)
            if facts and type(cmd) is c.LinkLossEvent and cmd.root_event_id:
                linked.append(cmd.root_event_id)
        working[item.event_id] = state
        if roots is not None:
            roots.update(linked)
        if produced == 0:
            item.outcome, item.commands, item.planned = "unchanged", [], []
        else:
            item.planned = planned
        return True

    # -- incidents --

    def _flush_incidents(self, batch: list[_Item], final: bool) -> None:
        if batch:
            self._try(lambda: self._plan_incidents(batch, final))

    def _plan_incidents(self, batch: list[_Item], final: bool) -> list[_Item]:
        src = self.source
        ids: set[str] = set()
        for item in batch:
            row: IncidentRow = item.row
            item.event_id = f"{src}:{row.external_id}"
            item.commands, item.outcome = [], ""
            ids.add(item.event_id)
            if row.root_external_id:
                ids.add(f"{src}:{row.root_external_id}")
        states = self._before = self._states(ids)
        working = dict(states)
        roots = self._group_roots(i.event_id for i in batch if i.row.root_external_id)
        self._batch_roots: set[str] = set()
        self._batch_new: dict[str, str | None] = {}  # new events of this batch → their root
        # roots (and rows that are not grouped) before the children grouped under them
        ordered = [i for i in batch if not i.row.root_external_id] + [
            i for i in batch if i.row.root_external_id
        ]
        done: list[_Item] = []
        for item in ordered:
            assert item.event_id is not None
            state = working.get(item.event_id)
            try:
                if len(item.event_id) > _MAX_ID:
                    raise _RowRejected(
                        "external_id",
                        f"is too long: source and id must fit in {_MAX_ID} characters",
                    )
                item.commands = self._incident_commands(item.row, item.event_id, state)
                defer = self._check_root(item, working, final)
            except _RowRejected as why:
                self._refuse(item, why.field, why.reason)
                continue
            except ValidationError as err:  # a command refused a value the row model accepted
                self._refuse(item, None, _pydantic_message(err))
                continue
            if defer:
                self.deferred.append(item)
                continue
            if state is None or not state.exists:
                # A new event: refuse an accounting date before the occurrence as the row's
                # (``decide`` would too, with the command's wording)
                on = item.row.accounted_on or self.today
                occurred = item.row.occurred_on
                if (
                    occurred
                    and on < occurred
                    and any(isinstance(x, c._Line) for x, _ in item.commands)
                ):
                    self._refuse(item, "accounted_on",
                                 f"must not be before occurred_on {occurred.isoformat()}")  # fmt: skip
                    continue
                if not self._dry_run(item, working, roots):
                    continue
                item.outcome = "loaded"
                root = f"{src}:{item.row.root_external_id}" if item.row.root_external_id else None
                self._batch_new[item.event_id] = root
                if self.dry_run:
                    self.registry[item.event_id] = root
                done.append(item)
                continue
            if not self._dry_run(item, working, roots):
                continue
            if not item.outcome:
                item.outcome = "changed" if state is not None and state.exists else "loaded"
            if self.dry_run:
                self.registry[item.event_id] = working[item.event_id].root_event_id
            done.append(item)
        return done

    def _check_root(self, item: _Item, working: dict[str, LossEventState], final: bool) -> bool:
        """Validate a planned grouping link; ``True`` = defer the row (its root may come later)."""
        link = next((cmd for cmd, _ in item.commands if isinstance(cmd, c.LinkLossEvent)), None)
        if link is None or link.root_event_id is None:
            return False
        root_id = link.root_event_id
        ext = item.row.root_external_id
        if item.event_id in self._batch_roots:
            raise _RowRejected(
                "root_external_id",
                f"{item.row.external_id!r} is the root of a group (a row above is grouped under "
                "it); a root cannot be grouped under another event",
            )
        root = working.get(root_id)
        refused = {i.event_id: i.line for i, _, _ in self._pending if i.event_id}
        if root is not None and root.exists:
            grouped_under = root.root_event_id
        elif root_id in self._batch_new:
            grouped_under = self._batch_new[root_id]
        elif root_id in self.registry:
            grouped_under = self.registry[root_id]
        elif root_id in self.rejected_ids or root_id in refused:
            line = self.rejected_ids.get(root_id) or refused[root_id]
            raise _RowRejected(
                "root_external_id",
                f"the root event {ext!r} was rejected (line {line}); fix it first",
            )
        elif not final:
            return True
        else:
            raise _RowRejected(
                "root_external_id",
                f"no loss event {root_id!r}: the root {ext!r} is neither in the database nor "
                "loaded from this file",
            )
        if grouped_under is not None:
            raise _RowRejected(
                "root_external_id",
                f"{ext!r} is itself grouped under {grouped_under!r}; group under that root",
            )
        self._batch_roots.add(root_id)
        return False

    def _incident_commands(
        self, row: IncidentRow, event_id: str, state: LossEventState | None
    ) -> list[tuple[c.Command, str | None]]:
        src, actor = self.source, self.actor
        out: list[tuple[c.Command, str | None]] = []
        et = row.event_type_l2 or row.event_type
        bl = row.business_line_l2 or row.business_line
        want = _descriptive(row)
        root = f"{src}:{row.root_external_id}" if row.root_external_id else None
        if state is None or not state.exists:
            out.append((c.ReportLossEvent(
                event_id=event_id, actor=actor, event_type=et, cause=row.cause, business_line=bl,
                currency=row.currency, source=src, external_id=row.external_id, **want,
            ), None))  # fmt: skip
            if root is not None:
                out.append(
                    (
                        c.LinkLossEvent(event_id=event_id, actor=actor, root_event_id=root),
                        "root_external_id",
                    )
                )
            state = initial(event_id)
            if row.deleted:  # report what the source had, then withdraw it
                out += self._amount_commands(row, event_id, state)
                out += self._exclusion(row, event_id, state)
                out.append((self._withdrawal(event_id), "deleted"))
                return out
        else:
            if state.status == "withdrawn":
                if row.deleted:
                    return []
                raise _RowRejected(
                    "deleted",
                    f"loss event {event_id!r} was withdrawn (deleted in an earlier load); a "
                    "withdrawn event cannot change or come back: report it under a new external id",
                )
            if row.deleted:
                return [(self._withdrawal(event_id), "deleted")]
            if row.currency != state.currency:
                raise _RowRejected(
                    "currency",
                    f"changed from {state.currency} (the event's currency cannot change; withdraw "
                    "the event and report it under a new external id)",
                )
            changes = {k: v for k, v in want.items() if getattr(state, k) != v}
            if "occurred_on" in changes and changes["occurred_on"] is None:
                raise _RowRejected(
                    "occurred_on",
                    f"is blank but the event occurred on {state.occurred_on}; a known occurrence "
                    "date cannot be cleared (correct it instead)",
                )
            if changes:
                out.append((c.AmendLossEvent(event_id=event_id, actor=actor, changes=changes,
                                             reason=f"changed in {src}"), None))  # fmt: skip
            if (
                et != state.event_type
                or bl != state.business_line
                or (row.cause is not None and row.cause != state.cause)
            ):
                out.append((c.ReclassifyLossEvent(
                    event_id=event_id, actor=actor, event_type=et, business_line=bl,
                    cause=row.cause, reason=f"reclassified in {src}",
                ), "event_type"))  # fmt: skip
            if root != state.root_event_id and (
                root is not None or (state.root_event_id or "").startswith(f"{src}:")
            ):
                out.append(
                    (
                        c.LinkLossEvent(event_id=event_id, actor=actor, root_event_id=root),
                        "root_external_id",
                    )
                )
        out += self._amount_commands(row, event_id, state)
        out += self._exclusion(row, event_id, state)
        return out

    def _withdrawal(self, event_id: str) -> c.WithdrawLossEvent:
        return c.WithdrawLossEvent(
            event_id=event_id, actor=self.actor, reason=f"deleted in {self.source}"
        )

    def _exclusion(
        self, row: IncidentRow, event_id: str, state: LossEventState
    ) -> list[tuple[c.Command, str | None]]:
        if not row.exclusion_reference or state.excluded:
            return []
        cmd = c.ExcludeLossEvent(
            event_id=event_id,
            actor=self.actor,
            approval_reference=row.exclusion_reference,
            approved_on=self.today,
            reason=f"excluded in {self.source}",
        )
        return [(cmd, "exclusion_reference")]

    def _amount_commands(
        self, row: IncidentRow, event_id: str, state: LossEventState
    ) -> list[tuple[c.Command, str | None]]:
        src, actor = self.source, self.actor
        totals, numbers = _loader_lines(state, src)
        on = row.accounted_on or self.today
        out: list[tuple[c.Command, str | None]] = []
        delta = row.gross_loss - totals["gross"]
        if delta:
            out.append((c.RecordImpact(
                event_id=event_id, actor=actor, kind="loss" if delta > 0 else "reversal",
                amount=abs(delta), currency=row.currency, accounted_on=on,
                line_id=f"{src}:gross:{numbers['gross'] + 1}",
            ), "gross_loss"))  # fmt: skip
        recoveries: tuple[tuple[RecoveryKind, Decimal], ...] = (
            ("insurance", row.recovery_insurance),
            ("other", row.recovery_other),
        )
        for kind, have in recoveries:
            delta = have - totals[kind]
            if delta < 0:
                raise _RowRejected(
                    f"recovery_{kind}",
                    f"recovery decreased from {totals[kind]} (a recovery once received is not "
                    "taken back by a load; record a reversal explicitly)",
                )
            if delta > 0:
                out.append((c.RecordRecovery(
                    event_id=event_id, actor=actor, kind=kind, amount=delta, currency=row.currency,
                    accounted_on=on, line_id=f"{src}:{kind}:{numbers[kind] + 1}",
                    allow_excess=row.gain,
                ), f"recovery_{kind}"))  # fmt: skip
        return out

    # -- movements --

    def _flush_movements(self, batch: list[_Item], final: bool) -> None:
        if batch:
            self._try(lambda: self._plan_movements(batch))

    def _plan_movements(self, batch: list[_Item]) -> list[_Item]:
        src = self.source
        ids: set[str] = set()
        for item in batch:
            ids.update((f"{src}:{item.row.external_id}", item.row.external_id))
            item.commands, item.outcome = [], ""
        states = self._before = self._states(ids)
        working = dict(states)
        done: list[_Item] = []
        for item in batch:
            row: MovementRow = item.row
            own, bare = f"{src}:{row.external_id}", row.external_id
            item.event_id = own if own in working else bare if bare in working else own
            try:
                if item.event_id not in working:
                    raise _RowRejected(
                        "external_id",
                        f"no loss event {own!r} (nor {bare!r}); load its incident first, with the "
                        "same --source",
                    )
                if row.line_id.startswith(_RESERVED):
                    raise _RowRejected("line_id", "line ids starting with gross:, insurance: or "
                                       "other: are reserved for the incidents loader")  # fmt: skip
                line_id = f"{src}:{row.line_id}"
                if len(line_id) > _MAX_ID:
                    raise _RowRejected(
                        "line_id", f"is too long: source and id must fit in {_MAX_ID} characters"
                    )
                cmd: c.Command
                if row.kind in _RECOVERY_KINDS:
                    cmd = c.RecordRecovery(
                        event_id=item.event_id, actor=self.actor, line_id=line_id,
                        kind=_RECOVERY_KINDS[row.kind], amount=row.amount,
                        currency=row.currency, accounted_on=row.accounted_on, received=row.received,
                    )  # fmt: skip
                else:
                    cmd = c.RecordImpact(
                        event_id=item.event_id, actor=self.actor, line_id=line_id,
                        kind=cast(ImpactKind, row.kind), amount=row.amount, currency=row.currency, accounted_on=row.accounted_on,
                    )  # fmt: skip
            except _RowRejected as why:
                self._refuse(item, why.field, why.reason)
                continue
            except ValidationError as err:
                self._refuse(item, None, _pydantic_message(err))
                continue
            item.commands = [(cmd, "amount")]
            if self._dry_run(item, working):
                item.outcome = item.outcome or "loaded"
                done.append(item)
        return done

    # -- financials --

    def _flush_financials(self, batch: list[_Item], final: bool) -> None:
        if not batch:
            return
        if self.financials is None:
            known = self.db.financials()
            self.financials = {
                (r.legal_entity, int(r.year), r.item, r.business_line or ""): (Decimal(r.amount), r.currency)
                for r in known.itertuples()
            }  # fmt: skip
        latest = self.financials
        items: list[dict[str, Any]] = []
        outcomes: list[str] = []
        for item in batch:
            row: FinancialRow = item.row
            key = (row.legal_entity, row.year, row.item, row.business_line or "")
            have = latest.get(key)
            if have is not None and have[0] == row.amount and have[1] == row.currency:
                outcomes.append("unchanged")
                continue
            outcomes.append("loaded" if have is None else "changed")
            latest[key] = (row.amount, row.currency)
            items.append({"legal_entity": row.legal_entity, "year": row.year, "item": row.item,
                          "business_line": row.business_line, "amount": row.amount,
                          "currency": row.currency})  # fmt: skip
        if items and not self.dry_run:
            recorded = self.db.record_financials(
                items, actor=self.actor, meta={"source": self.source, "file": self.path.name}
            )
            self.facts += len(recorded)
        for outcome in outcomes:
            self._count(outcome)


# --- helpers -----------------------------------------------------------------------------------


_GC_PAUSED = False


@contextmanager
def _batch_gc() -> Iterator[None]:
    """Collect cyclic garbage once per batch instead of every 700 allocations.

    A batch keeps tens of thousands of objects alive at once (rows, commands, facts, states,
    table rows), which triggers hundreds of young-generation collections and a few full ones
    over the whole heap (a fifth of the load's time). Almost nothing outlives its batch, so
    :func:`_collect_batch` after each batch finds the garbage cycles for a small, bounded cost.
    """
    global _GC_PAUSED
    if not gc.isenabled() or _GC_PAUSED:
        yield
        return
    gc.disable()
    _GC_PAUSED = True
    try:
        yield
    finally:
        _GC_PAUSED = False
        gc.enable()


def _collect_batch() -> None:
    if _GC_PAUSED:
        gc.collect(1)  # what the batch allocated and left behind: cheap, since it freed the rest


def _descriptive(row: IncidentRow) -> dict[str, Any]:
    """The amendable fields as the row states them (blank text as the state stores it)."""
    return {
        "title": row.title or row.external_id,
        "description": row.description or "",
        "legal_entity": row.legal_entity,
        "lei": row.lei,
        "org_unit": row.org_unit or "",
        "occurred_on": row.occurred_on,
        "discovered_on": row.discovered_on,
        "near_miss": row.near_miss,
        "gain": row.gain,
        "credit_boundary": row.credit_boundary,
        "market_boundary": row.market_boundary,
        "legal": row.legal,
    }


def _loader_lines(state: LossEventState, source: str) -> tuple[dict[str, Decimal], dict[str, int]]:
    """Totals and highest line numbers of the lines the incidents loader of ``source`` wrote."""
    totals = {"gross": _ZERO, "insurance": _ZERO, "other": _ZERO}
    numbers = {"gross": 0, "insurance": 0, "other": 0}
    prefix = f"{source}:"
    for line_id, line in state.lines.items():
        if not line_id.startswith(prefix):
            continue
        what, _, n = line_id[len(prefix) :].partition(":")
        if what not in totals or not n.isdigit():
            continue
        numbers[what] = max(numbers[what], int(n))
        if what == "gross":
            totals[what] += -line.amount if line.kind == "reversal" else line.amount
        elif line.received:
            totals[what] += line.amount
    return totals, numbers


_NUMBER = re.compile(r"(?<![\w.^])(?<!ISO )[-+]?(?:\d[\d,]*\.\d+|\d[\d,]*\d)(?![\w.^])")
_LINE = re.compile(r"\bline \d+")
_PARENS = re.compile(r"\s*\([^()]*\)")


def _reason_key(r: Reject) -> str:
    """A reject's reason without its values, to count rejects by reason."""
    rule = _PARENS.sub("", r.reason)
    rule = _NUMBER.sub("N", _LINE.sub("line N", rule))
    rule = rule.split(";")[0].strip()
    if len(rule) > 90:
        rule = rule[:89] + "…"
    return f"{r.field}: {rule}" if r.field else rule


def _pydantic_message(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())


def _fraction(stream: RowStream, path: Path) -> Callable[[], float | None] | None:
    """How far into the file the reader is (bytes), when it can tell; for the progress bar."""
    raw = getattr(getattr(stream.reader, "_file", None), "buffer", None)
    if raw is None or not hasattr(raw, "tell") or path.suffix.lower() == ".gz":
        return None
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if size <= 0:
        return None
    return lambda: float(raw.tell()) / size
