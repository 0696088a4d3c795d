"""Load files into a database, idempotently and incrementally (``docs/ingest.md`` §6).

:func:`load` (``Database.load``, ``oprisk load``) reads a file with :func:`~oprisk.ingest.rows.read_rows`,
turns each valid row into the domain commands that bring the database to the row's view, and
executes them in batches, one transaction per batch.

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
* ``scenarios`` / ``external``: scenario workshop files and external losses (:mod:`~oprisk.ingest.icaap`).
* ``assessments``: delegated to :func:`oprisk.services.assessments.load_assessments`.

Each batch is one write transaction: the states of its events are read once, each row is decided
against them with the domain's own ``decide`` (so a row the domain refuses is rejected whole, with
the domain's message, and the rest of the batch loads), and the facts decided are appended as
they are (``Commands.execute_planned``), without a second read and decision. A killed load re-run
converges to the state of an uninterrupted one: committed batches are now "unchanged" and the
rest is computed afresh from the database.

Modules: ``run`` (one file: the read loop, rejects, counts), ``batches`` (one transaction per
planned batch), ``incidents`` / ``movements`` / ``financials`` (what a row means for each kind),
``report`` (the :class:`LoadReport`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from oprisk.errors import IngestionError, MappingError, OpriskError, invalid
from oprisk.ingest.financials import FinancialRun
from oprisk.ingest.icaap import ExternalRun, ScenarioRun
from oprisk.ingest.incidents import IncidentRun
from oprisk.ingest.mapping import load_mapping
from oprisk.ingest.movements import MovementRun
from oprisk.ingest.progress import NullProgress, make_progress
from oprisk.ingest.rejects import RejectsWriter
from oprisk.ingest.report import LoadReport, RejectedRow, combine
from oprisk.ingest.run import FileRun, open_rows
from oprisk.ingest.settings import Mapping as ColumnMapping

if TYPE_CHECKING:
    from oprisk.ports import LoaderPorts

__all__ = ["LOAD_KINDS", "LoadReport", "RejectedRow", "default_source", "load"]

LOAD_KINDS = ("incidents", "movements", "financials", "assessments", "scenarios", "external")
_MAX_SOURCE = 100  # the width of the ``source`` column of the read model
_MAX_ACTOR = 200
_RUNS: dict[str, type[FileRun]] = {
    "incidents": IncidentRun,
    "movements": MovementRun,
    "financials": FinancialRun,
    "scenarios": ScenarioRun,
    "external": ExternalRun,
}


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
    db: LoaderPorts,
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
    dry_run: bool = False,
    rejects: str | os.PathLike[str] | None = None,
) -> LoadReport:
    """Load one or more files; see the module docstring and ``docs/ingest.md`` §6.

    ``kind`` defaults to the mapping's ``kind``; ``source`` to each file's stem
    (:func:`default_source`); ``progress`` ``None`` shows a bar when stderr is a TTY. Fatal
    problems (an unreadable file, a bad mapping) raise :class:`~oprisk.errors.IngestionError`;
    files before the failing one stay loaded. With ``strict``, an unmapped column is an error
    and each file is checked whole before any of it is written: a file with a rejected row
    loads nothing and stops the load. ``dry_run`` reads, validates and plans every file against
    the database and writes the rejects files, but appends nothing. ``rejects`` is where the
    rejects files go (a folder, or a file for one input) instead of next to each input.
    """
    files = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not files:
        raise IngestionError("no file to load")
    where = Path(rejects) if rejects is not None else None
    if where is not None and len(files) > 1 and not where.is_dir():
        raise MappingError(
            invalid("rejects", str(where), "must be an existing folder when loading several files")
        )
    if kind is not None and kind not in LOAD_KINDS:
        raise MappingError(
            f"invalid value {kind!r} for 'kind': must be one of {', '.join(LOAD_KINDS)}"
        )
    if batch_size < 1:
        raise MappingError(f"invalid value {batch_size!r} for 'batch_size': must be ≥ 1")
    if not str(actor).strip() or len(str(actor)) > _MAX_ACTOR:
        raise MappingError(invalid("actor", actor, f"must be 1 to {_MAX_ACTOR} characters"))
    if source is not None and not 0 < len(source.strip()) <= _MAX_SOURCE:
        raise MappingError(invalid("source", source, f"must be 1 to {_MAX_SOURCE} characters"))
    if kind != "assessments":
        for path in files:  # before anything is loaded: a rejects file that cannot be written
            if Path(path).is_file():
                RejectsWriter(path, (), where=where).check()
    bar = make_progress(progress)
    on = today or date.today()
    reports: list[LoadReport] = []
    for path in files:
        if kind == "assessments":
            reports.append(_load_assessments(db, path, actor))
            continue
        m = mapping if isinstance(mapping, ColumnMapping) else load_mapping(mapping)
        src = source if source is not None else default_source(path)
        if not 0 < len(src.strip()) <= _MAX_SOURCE:
            raise MappingError(
                invalid("source", src, f"must be 1 to {_MAX_SOURCE} characters (pass --source)")
            )
        try:
            report = _load_file(db, Path(path), kind, m, src, actor, on, batch_size, bar, sheet,
                                strict, dry_run, where)  # fmt: skip
        except OpriskError:
            raise
        except Exception as exc:  # a bug: still one line for the user, the cause kept for us
            raise IngestionError(
                f"cannot load {str(path)!r}: unexpected {type(exc).__name__}: {exc} (a bug in "
                "oprisk; please report it with the file); batches committed before it stay loaded"
            ) from exc
        reports.append(report)
        if report.aborted:
            break
    return combine(reports, kind or "mixed", source, actor, strict)


def _load_file(
    db: LoaderPorts,
    path: Path,
    kind: str | None,
    m: ColumnMapping,
    source: str,
    actor: str,
    on: date,
    batch_size: int,
    bar: NullProgress,
    sheet: str | int | None,
    strict: bool,
    dry_run: bool,
    rejects: Path | None,
) -> LoadReport:
    stream = open_rows(path, kind, m, sheet, on, strict)
    run = _RUNS[stream.kind](db, path, m, source, actor, on, batch_size, bar, rejects)
    if not strict or dry_run:
        return replace(run.execute(stream, dry_run=dry_run), strict=strict)
    probe = run.execute(stream, dry_run=True)
    if probe.rejected:
        return replace(probe, loaded=0, changed=0, unchanged=0, facts_appended=0, withdrawn=0,
                       skipped=probe.rows_read - probe.rejected, aborted=True, strict=True,
                       dry_run=False)  # fmt: skip
    stream = open_rows(path, stream.kind, m, sheet, on, strict)
    return replace(run.execute(stream, dry_run=False), strict=True)


def _load_assessments(db: LoaderPorts, path: str | os.PathLike[str], actor: str) -> LoadReport:
    from oprisk.services.assessments import load_assessments_counted

    t0 = time.perf_counter()
    recorded, units = load_assessments_counted(db, Path(path), actor=actor)
    n = len(recorded)
    return LoadReport(
        paths=(str(path),), kind="assessments", source=None, actor=actor, rows_read=units,
        loaded=n, unchanged=units - n, facts_appended=n, seconds=time.perf_counter() - t0,
    )  # fmt: skip
