"""The global options ``--db``, ``--json`` and ``--quiet`` before or after the sub-command."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from oprisk.api import connect
from oprisk.cli import main

EXAMPLE = Path(__file__).parent / "data" / "ingest" / "incidents_example.csv"
#: a consistent 3×3 judgement matrix: org is twice ops, ops twice people, so the weights are
#: 4/7, 2/7 and 1/7 by hand (each row of a consistent matrix is proportional to the weights)
JUDGEMENTS = "node,row,col,value\ngoal,org,ops,2\ngoal,org,people,4\ngoal,ops,people,2\n"


@pytest.fixture
def urls(tmp_path: Path) -> tuple[str, str]:
    """Two SQLite databases: A holds one loss event of EUR 1,234.50, B is empty."""
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    with connect(a) as db:
        db.report("E1", actor="ann", title="one", event_type="ET7", business_line="BL3",
                  occurred_on=date(2025, 1, 1), discovered_on=date(2025, 1, 2), currency="EUR")  # fmt: skip
        db.record_impact(
            "E1", actor="ann", amount="1234.50", currency="EUR", accounted_on=date(2025, 1, 3)
        )
    connect(b).close()
    return a, b


def invoke(args: list[str], env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args, env=env or {"OPRISK_DATABASE_URL": None})


def event_ids(output: str) -> list[str]:
    return [row["event_id"] for row in json.loads(output)]


@pytest.mark.parametrize(
    "args",
    [
        ["--db", "{a}", "losses", "--json"],
        ["losses", "--db", "{a}", "--json"],
        ["losses", "--json", "--db", "{a}"],
        ["--db", "{b}", "losses", "--db", "{a}", "--json"],  # the last one wins
    ],
)
def test_db_before_or_after_the_subcommand(urls: tuple[str, str], args: list[str]) -> None:
    a, b = urls
    r = invoke([x.format(a=a, b=b) for x in args])
    assert r.exit_code == 0, r.output
    assert event_ids(r.output) == ["E1"]


def test_db_on_the_command_line_beats_the_environment(urls: tuple[str, str]) -> None:
    a, b = urls
    env = {"OPRISK_DATABASE_URL": b}
    assert event_ids(invoke(["losses", "--json"], env).output) == []
    assert event_ids(invoke(["losses", "--json", "--db", a], env).output) == ["E1"]
    assert event_ids(invoke(["--db", a, "losses", "--json"], env).output) == ["E1"]


@pytest.mark.parametrize("where", ["before", "between", "after"])
def test_db_upgrade_with_db_anywhere(tmp_path: Path, where: str) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    args = {
        "before": ["--db", url, "db", "upgrade"],
        "between": ["db", "--db", url, "upgrade"],
        "after": ["db", "upgrade", "--db", url],
    }[where]
    r = invoke(args)
    assert r.exit_code == 0, r.output
    assert "schema empty →" in r.output and (tmp_path / "new.db").exists()


def test_json_before_the_subcommand_is_the_commands_json(urls: tuple[str, str]) -> None:
    a, _ = urls
    before = invoke(["--json", "--db", a, "losses"])
    after = invoke(["--db", a, "losses", "--json"])
    assert before.exit_code == after.exit_code == 0
    assert before.output == after.output
    (row,) = json.loads(before.output)
    assert row["gross_loss"] == 1234.5 and row["discovered_on"] == "2025-01-02"

    hist = invoke(["--json", "history", "E1", "--db", a])
    assert [v["fact"] for v in json.loads(hist.output)] == [
        "loss_event.reported",
        "loss_event.impact_recorded",
    ]
    ok = invoke(["--json", "verify", "--db", a])
    assert ok.exit_code == 0 and json.loads(ok.output)["ok"] is True
    # a format named after the sub-command is more specific than the global --json
    csv = invoke(["--json", "losses", "--csv", "--db", a])
    assert csv.exit_code == 0 and csv.output.splitlines()[1].startswith("E1,")


def test_json_on_a_group_between(tmp_path: Path) -> None:
    (tmp_path / "j.csv").write_text(JUDGEMENTS, encoding="utf-8")
    for args in (
        ["--json", "assess", "weights", str(tmp_path / "j.csv")],
        ["assess", "--json", "weights", str(tmp_path / "j.csv")],
    ):
        r = invoke(args)
        assert r.exit_code == 0, r.output
        nodes = {n["id"]: n for n in json.loads(r.output)["nodes"]}
        assert nodes["org"]["local_weight"] == pytest.approx(4 / 7, abs=1e-12)
        assert nodes["people"]["local_weight"] == pytest.approx(1 / 7, abs=1e-12)


@pytest.mark.parametrize(
    "args", [["--json", "rebuild"], ["rebuild", "--json"], ["db", "--json", "upgrade"]]
)
def test_json_for_a_command_without_json_output_is_a_usage_error(
    urls: tuple[str, str], args: list[str]
) -> None:
    a, _ = urls
    r = invoke([*args, "--db", a])
    assert r.exit_code == 2
    assert "has no JSON output" in r.stderr and "Traceback" not in r.output
    assert "rebuilt" not in r.output and "schema" not in r.output  # nothing ran


def test_usage_errors_exit_2(urls: tuple[str, str]) -> None:
    assert invoke(["losses", "--db"]).exit_code == 2  # --db needs a value
    assert invoke(["losses", "--no-such-option"]).exit_code == 2


def run_with_a_terminal_on_stderr(args: list[str]) -> tuple[int, str, str]:
    """Run ``oprisk ARGS`` in a new process whose stderr is a pseudo-terminal, as in a shell."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from oprisk.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={k: v for k, v in os.environ.items() if k != "OPRISK_DATABASE_URL"},
    )
    os.close(follower)
    stderr = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO once the process has closed the terminal
            break
        if not chunk:
            break
        stderr += chunk
    stdout, _ = proc.communicate()
    os.close(leader)
    return proc.returncode, stdout.decode(), stderr.decode()


@pytest.mark.parametrize(
    ("where", "bar"),
    [
        ("", True),  # the test's premise: on a terminal, load draws a bar
        ("--quiet", False),
        ("-q", False),
        ("--quiet --progress", True),  # asking for the bar by name wins
    ],
)
def test_quiet_silences_the_load_progress_bar(tmp_path: Path, where: str, bar: bool) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    flags = where.split()
    for args in (
        [*flags[:1], "--db", url, "load", str(EXAMPLE), *flags[1:]],  # before
        ["--db", url, "load", str(EXAMPLE), *flags],  # after
    ):
        code, stdout, stderr = run_with_a_terminal_on_stderr(args)
        assert code == 0, stdout + stderr
        assert ("rows/s" in stderr) is bar, stderr
        assert "facts appended" in stdout  # the report itself is never silenced
