"""One file's load: read → validate → hand the valid rows to the kind's planner in batches.

:class:`FileRun` streams a file's :class:`~oprisk.ingest.rows.RowResult` s, writes every rejected
record to the rejects file and to the report, and calls :meth:`FileRun.flush` per batch of valid
rows; the subclasses per kind (:mod:`~oprisk.ingest.incidents`, :mod:`~oprisk.ingest.movements`,
:mod:`~oprisk.ingest.financials`) decide and append what each batch means.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from oprisk.domain import commands as c
from oprisk.domain.events import Fact
from oprisk.domain.loss_event import LossEventState
from oprisk.errors import IngestionError, MappingError
from oprisk.ingest.fields import KIND_FIELDS
from oprisk.ingest.gcpause import batch_gc, collect_batch
from oprisk.ingest.progress import NullProgress
from oprisk.ingest.rejects import Reject, RejectsWriter
from oprisk.ingest.report import MAX_REPORTED, ColumnReport, LoadReport, RejectedRow
from oprisk.ingest.rows import RowStream, read_rows
from oprisk.ingest.settings import Mapping as ColumnMapping
from oprisk.ingest.spill import SpillingDict, SpillingList

if TYPE_CHECKING:
    from oprisk.ports import LoaderPorts

__all__ = ["FileRun", "Item", "RowRejected", "open_rows", "pydantic_message"]

_INVALID = re.compile(r"^invalid value (?P<value>.*?) for '(?P<field>[^']+)': (?P<rule>.*)$", re.S)


def open_rows(
    path: Path,
    kind: str | None,
    mapping: ColumnMapping,
    sheet: str | int | None,
    today: date,
    strict: bool = False,
) -> RowStream:
    """Open a file for loading: ``kind`` (else the mapping's, else the one whose columns the
    file has); ``--sheet 1`` names a sheet called "1" if there is one, else the index;
    ``strict``: an unmapped column is an error."""
    try:
        return _read(path, kind, mapping, sheet, today, strict)
    except IngestionError as err:
        if isinstance(sheet, str) and sheet.isdigit() and "no sheet" in str(err):
            return _read(path, kind, mapping, int(sheet), today, strict)
        raise


def _read(
    path: Path,
    kind: str | None,
    mapping: ColumnMapping,
    sheet: str | int | None,
    today: date,
    strict: bool,
) -> RowStream:
    kind = kind or mapping.kind
    if kind is not None:
        return read_rows(path, kind, mapping, sheet=sheet, today=today, strict_columns=strict)
    first: MappingError | None = None
    for guess in ("incidents", "movements", "financials", "external", "scenarios"):
        try:
            return read_rows(path, guess, mapping, sheet=sheet, today=today, strict_columns=strict)
        except MappingError as err:
            if "has no column for" not in str(err):
                raise
            first = first or err
    assert first is not None
    raise MappingError(f"{first}; or name the kind with --kind") from None


class RowRejected(Exception):
    """A row refused while planning: the field at fault and the rule."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


@dataclass
class Item:
    """A valid row on its way to the database."""

    line: int
    row: Any
    record: dict[str, str | None]
    event_id: str | None = None
    commands: list[tuple[c.Command, str | None]] = field(
        default_factory=list
    )  # (command, field hint)
    outcome: str = ""  # loaded | changed | unchanged
    root: str | None = None  # incidents: the root of the event's group once the row is planned
    # what the dry run decided: per command, its facts with the state after each
    planned: list[tuple[c.Command, list[tuple[Fact, LossEventState]]]] = field(default_factory=list)


class FileRun:
    """Loads one file of one kind: read → validate → :meth:`flush` per batch of valid rows."""

    def __init__(
        self,
        db: LoaderPorts,
        path: Path,
        mapping: ColumnMapping,
        source: str,
        actor: str,
        today: date,
        batch_size: int,
        progress: NullProgress,
        rejects: Path | None = None,
    ) -> None:
        self.db, self.path, self.mapping = db, path, mapping
        self.source, self.actor, self.today = source, actor, today
        self.batch_size, self.progress = batch_size, progress
        self.rejects_where = rejects  # a file or folder for the rejects (default: by the input)

    def flush(self, batch: list[Item], final: bool) -> None:
        """Plan and write one batch of valid rows; ``final``: no later row can supply a root."""
        raise NotImplementedError

    def finish(self) -> None:
        """After the last row: what a kind can decide only on the whole file (scenarios)."""

    def execute(self, stream: RowStream, *, dry_run: bool) -> LoadReport:
        t0 = time.perf_counter()
        kind = self.kind = stream.kind
        self.stream, self.dry_run = stream, dry_run
        self.read = self.loaded = self.changed = self.unchanged = self.rejected = self.facts = 0
        self.withdrawn = 0
        self.rejects: list[RejectedRow] = []  # the first MAX_REPORTED; all go to the rejects file
        self.reasons: Counter[str] = Counter()
        self.rejected_ids = SpillingDict()  # event id → the line that was rejected
        self.registry = SpillingDict()  # dry run: event id → its root, for later rows
        flush = self.flush
        self.deferred: SpillingList[Item] = SpillingList()  # rows waiting for a later root
        self._deferring: list[Item] = []  # rows the batch being planned defers
        writer = RejectsWriter(self.path, stream.columns, where=self.rejects_where,
                               max_cell=self.mapping.limits.max_field_size)  # fmt: skip
        self.writer = writer
        self.progress.start(f"{self.path.name}", _fraction(stream, self.path))
        try:
            with stream, batch_gc():
                batch: list[Item] = []
                for result in stream:
                    self.read += 1
                    if result.row is None:
                        self._reject(result.line, result.rejects, result.record, "validation")
                    else:
                        batch.append(Item(result.line, result.row, result.record))
                        if len(batch) >= self.batch_size:
                            flush(batch, False)
                            batch = []
                            collect_batch()
                    self.progress.update(self.read, self.rejected)
                flush(batch, False)
                while len(self.deferred):  # children whose root came later in the file
                    rest, self.deferred = self.deferred, SpillingList()
                    for chunk in rest.chunks(self.batch_size):
                        flush(chunk, True)
                    rest.close()
                self.finish()
        except BaseException:
            writer.__exit__(RuntimeError, None, None)
            raise
        finally:
            for state in (self.rejected_ids, self.registry, self.deferred):
                state.close()
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
            reasons=dict(self.reasons),
            rejects_paths=(str(written),) if written else (),
            seconds=time.perf_counter() - t0,
            withdrawn=self.withdrawn,
            dry_run=dry_run,
            columns=(_columns(stream),),
            notes=(writer.warning,) if writer.warning else (),
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
        ext = self._raw("external_id", record) if self.kind != "financials" else None
        if event_id is None and ext and ext.strip() and self.kind == "incidents":
            event_id = f"{self.source}:{ext.strip()}"
        if event_id is not None:
            self.rejected_ids.setdefault(event_id, line)
        reasons = tuple(_reason_key(r) for r in rejects)
        self.reasons.update(list(dict.fromkeys(reasons)))
        if len(self.rejects) >= MAX_REPORTED:
            return
        self.rejects.append(
            RejectedRow(
                path=str(self.path),
                line=line,
                stage=stage,
                external_id=ext.strip() if ext else None,
                event_id=event_id,
                fields=tuple(dict.fromkeys(r.label for r in rejects if r.field)),
                messages=tuple(r.message for r in rejects),
                reasons=reasons,
            )
        )

    def _domain_reject(self, item: Item, field_name: str | None, message: str) -> None:
        message = message.replace(
            "pass allow_excess=True if that is right", "set the gain flag if that is right"
        )
        fields = KIND_FIELDS[self.kind]
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


def _columns(stream: RowStream) -> ColumnReport:
    plan, convention, m = stream.plan, stream.convention, stream.validator.mapping
    if convention is None:
        numbers = "as the mapping declares" if m.numbers_declared else ""
    else:
        numbers = convention.evidence() if convention.line is not None else ""
    return ColumnReport(
        path=str(stream.path),
        mapped=plan.mapped,
        ignored=plan.ignored,
        unmapped=plan.unmapped,
        decimal=m.decimal,
        thousands=m.thousands,
        numbers=numbers,
    )


def pydantic_message(err: ValidationError) -> str:
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
