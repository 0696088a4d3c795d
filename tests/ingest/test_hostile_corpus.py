"""The hostile corpus (``hostile.py``) through ``oprisk load`` on both databases.

For every file: no traceback; a fatal problem is one line on stderr with exit code 2; otherwise
rows read = loaded + changed + unchanged + rejected, exit code 1 exactly when a row was rejected,
one line in the rejects file per rejected row; and afterwards the database passes ``verify``.
"""

from __future__ import annotations

import csv
import json
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hostile import CASES, Case

from oprisk.cli import main


def _load(runner: CliRunner, url: str, path: Path, args: list[str]) -> Result:
    return runner.invoke(main, ["--db", url, "load", str(path), "--json", "--no-progress", *args])


def _check(case: Case, folder: Path, res: Result, url: str, runner: CliRunner) -> list[str]:
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        trace = "".join(traceback.format_exception(res.exception))
        return [f"raised {type(res.exception).__name__}: {trace[-1500:]}"]
    out, err = res.stdout, res.stderr
    problems = []
    if "Traceback" in out + err:
        problems.append("printed a traceback")
    if case.fatal is not None:
        lines = err.strip().splitlines()
        if res.exit_code != 2:
            problems.append(f"exit {res.exit_code}, expected 2: {out[-300:]} {err[-300:]}")
        elif case.usage:
            if case.fatal not in err:
                problems.append(f"usage error without {case.fatal!r}: {err}")
        elif len(lines) != 1 or not lines[0].startswith("error: ") or case.fatal not in lines[0]:
            problems.append(f"not one error line with {case.fatal!r}: {err!r}")
        return problems
    try:
        report = json.loads(out)
    except ValueError:
        return [f"exit {res.exit_code}, no JSON report: {out[-300:]} {err[-500:]}"]
    outcomes = sum(report[k] for k in ("loaded", "changed", "unchanged", "rejected", "skipped"))
    if outcomes != report["rows_read"]:
        problems.append(f"{outcomes} outcomes for {report['rows_read']} rows")
    if res.exit_code != (1 if report["rejected"] else 0):
        problems.append(f"exit {res.exit_code} with {report['rejected']} rejected: {err}")
    for key in ("rejected", "loaded"):
        want = getattr(case, key)
        if want is not None and report[key] != want:
            messages = [m for r in report["rejects"] for m in r["messages"]]
            problems.append(f"{key} {report[key]}, expected {want}: {messages}")
    messages = [m for r in report["rejects"] for m in r["messages"]]
    if case.reason is not None and not any(case.reason in m for m in messages):
        problems.append(f"no reject says {case.reason!r}: {messages}")
    if case.warning is not None and case.warning not in err:
        problems.append(f"no warning {case.warning!r}: {err!r}")
    written = report["rejects_paths"]
    if report["rejected"]:
        with open(written[0], encoding="utf-8-sig", newline="") as fh:
            lines = list(csv.reader(fh))
        if len(lines) - 1 != report["rejected"]:
            problems.append(f"{len(lines) - 1} lines in the rejects file for {report['rejected']}")
    elif written:
        problems.append(f"a rejects file without rejects: {written}")
    if case.dry_run:
        again = _load(runner, url, folder / case.name, [a for a in case.args if a != "--dry-run"])
        real = json.loads(again.stdout)
        if (real["loaded"], real["facts_appended"]) != (report["loaded"], report["facts_appended"]):
            problems.append(
                f"dry run {report['facts_appended']} facts, the load {real['facts_appended']}"
            )
    return problems


def _run_corpus(url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    failures: dict[str, list[str]] = {}
    for name, build in CASES.items():
        folder = tmp_path / name
        folder.mkdir()
        case = build(folder)
        for args in case.before:
            first = _load(runner, url, folder / Path(args[0]).name, args[1:])
            assert first.exit_code == 0, (name, first.output)
        res = _load(runner, url, folder / case.name, case.args)
        problems = _check(case, folder, res, url, runner)
        if problems:
            failures[name] = problems
    assert not failures, "\n".join(f"{k}: {'; '.join(v)}" for k, v in failures.items())
    check = runner.invoke(main, ["--db", url, "verify", "--json"])
    assert check.exit_code == 0 and json.loads(check.stdout)["ok"], check.output


def test_the_corpus_has_at_least_sixty_files() -> None:
    assert len(CASES) >= 60


def test_hostile_corpus(db_url: str, tmp_path: Path) -> None:
    _run_corpus(db_url, tmp_path)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--db", "postgresql+foo://x/y", "losses"], "drivers pysqlite and psycopg2"),
        (["--db", "sqlite+pysqlcipher:///x.db", "losses"], "drivers pysqlite and psycopg2"),
        (["capital", "lda", "--year", "2025", "--threshold", "1e999"], "must be a finite number"),
        (["capital", "lda", "--year", "2025", "--threshold", "nan"], "must be a finite number"),
    ],
)
def test_hostile_options_are_clean_errors(tmp_path: Path, args: list[str], says: str) -> None:
    if args[0] != "--db":
        args = ["--db", f"sqlite:///{tmp_path / 'x.db'}", *args]
    res = CliRunner().invoke(main, args)
    assert isinstance(res.exception, SystemExit) and res.exit_code == 2, res.output
    assert says in res.stderr and "Traceback" not in res.output
