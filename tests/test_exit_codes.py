"""The exit codes as documented: README.md's table, ``oprisk --help`` and the behaviour agree.

Each documented code is walked through the cases its row names, on both databases."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from oprisk.cli import EXIT_CODES, main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES, CORPUS = ROOT / "examples", ROOT / "tests" / "data" / "ingest"
INCONSISTENT = """
[assessment]
id = "g"
cr_limit = 0.1
[[nodes]]
id = "a"
[[nodes]]
id = "b"
[[nodes]]
id = "c"
[judgements]
g = [["a", "b", "9"], ["b", "c", "9"], ["a", "c", "1/9"]]
"""


def words(text: str) -> str:
    return " ".join(text.split())


def readme_table() -> dict[int, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {int(c): words(m) for c, m in re.findall(r"^\| (\d) \| (.+?) \|$", text, re.M)}


def test_readme_and_help_state_the_same_table():
    assert readme_table() == {code: words(text) for code, text in EXIT_CODES}
    shown = words(CliRunner().invoke(main, ["--help"]).output)
    for code, text in EXIT_CODES:
        assert f"{code} {words(text)}" in shown


def run(url: str, *args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["--db", url, "--quiet", *args], env={"OPRISK_PROGRESS": "0"})
    assert "Traceback" not in result.output + result.stderr
    return result


def test_every_documented_case_exits_with_its_code(db_url, tmp_path):
    a = lambda *args: run(db_url, *args).exit_code  # noqa: E731
    case: dict[str, int] = {}
    shutil.copy(EXAMPLES / "incidents.csv", tmp_path / "incidents.csv")
    case["load, every row loaded"] = a("load", str(tmp_path / "incidents.csv"), "--source", "G")
    case["verify, intact"] = a("verify")
    case["load (rejected rows)"] = a(
        "load", str(CORPUS / "bad_rows.csv"), "--rejects", str(tmp_path)
    )
    # verify against a checkpoint of another log; checkpoint with a --previous that disagrees
    a("keys", "new", "--out", str(tmp_path / "k"))
    key, pub = str(tmp_path / "k.key"), str(tmp_path / "k.pub")
    case["checkpoint, ok"] = a("checkpoint", "--key", key, "--out", str(tmp_path / "cp.json"))
    other = f"sqlite:///{tmp_path / 'other.db'}"
    run(other, "load", str(CORPUS / "incidents_example.csv"), "--source", "X")
    cp = str(tmp_path / "cp.json")
    case["verify"] = run(other, "verify", "--checkpoint", cp, "--public-key", pub).exit_code
    case["checkpoint"] = run(
        other, "checkpoint", "--key", key, "--out", str(tmp_path / "cp2.json"), "--previous", cp
    ).exit_code
    out = tmp_path / "ex"
    case["export, written"] = a("export", "--template", "c17.01", "--period", "2024",
                                "--format", "csv", "--out", str(out))  # fmt: skip
    case["export --verify, reproduced"] = a("export", "--verify", str(out))
    with (out / "c17.01.csv").open("a") as f:
        f.write("0\n")
    case["export --verify"] = a("export", "--verify", str(out))
    (tmp_path / "p.zip").write_bytes(b"not a zip")
    case["export --validate"] = a("export", "--validate", str(tmp_path / "p.zip"))
    case["assess weights, consistent"] = a("assess", "weights", str(EXAMPLES / "judgements.toml"))
    (tmp_path / "bad.toml").write_text(INCONSISTENT)
    case["assess weights (inconsistent judgements)"] = a(
        "assess", "weights", str(tmp_path / "bad.toml")
    )
    bad_option = a("losses", "--no-such-option")
    bad_value = a("capital", "lda", "--year", "2025", "--uom", "nonsense")
    case["a bad option or value"] = max(bad_option, bad_value) if bad_option == bad_value else -1
    missing_file = a("load", str(tmp_path / "missing.csv"))
    missing_input = a("capital", "bia", "--year", "2025")  # no financials recorded
    case["a missing file or input"] = missing_file if missing_file == missing_input else -1
    case["a cut-off before the first fact"] = a("losses", "--as-of", "2001-01-01")
    documented = {  # the cases each row of the table names
        code: re.split(r", ", text.partition(": ")[2].partition(" (one line")[0])
        for code, text in EXIT_CODES[1:]
    }
    expected = {name: 0 for name in case if "," in name}
    expected |= {name: code for code, names in documented.items() for name in names}
    assert case == expected


def test_an_error_is_one_line_on_stderr(db_url):
    run(db_url, "load", str(CORPUS / "incidents_example.csv"), "--source", "X")
    result = run(db_url, "losses", "--as-of", "2001-01-01")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and result.stdout == ""


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_exit_0(args):
    assert CliRunner().invoke(main, args).exit_code == 0
