"""``oprisk assess weights|record|list`` through click's CliRunner."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from oprisk.assess import assess, read_judgements
from oprisk.cli import main

JUDGEMENTS = """node,row,col,value
goal,org,ops,2
goal,org,people,4
goal,ops,people,2
org,staff,rules,3
"""
INCONSISTENT = JUDGEMENTS.replace("goal,org,people,4", "goal,org,people,1/9").replace(
    "goal,ops,people,2", "goal,ops,people,9"
)
SCORES = """unit,staff,rules,ops,people
branch-a,80,60,70,90
branch-b,40,50,30,60
"""
TEMPLATE = str(resources.files("oprisk.assess").joinpath("templates/supervision.toml"))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, text in [("j.csv", JUDGEMENTS), ("bad.csv", INCONSISTENT), ("s.csv", SCORES),
                       ("broken.csv", "node,row\ngoal,a\n"), ("j.txt", JUDGEMENTS)]:  # fmt: skip
        (tmp_path / name).write_text(text, encoding="utf-8")
        out[name] = str(tmp_path / name)
    return out


def test_weights_table_needs_no_database(files: dict[str, str], tmp_path: Path) -> None:
    r = CliRunner().invoke(
        main, ["--db", f"sqlite:///{tmp_path}/never.db", "assess", "weights", files["j.csv"]]
    )
    assert r.exit_code == 0, r.output
    for word in ("local_weight", "global_weight", "lambda_max", "CI", "RI", "CR", "org", "staff"):
        assert word in r.output
    assert "overall (hierarchic) CR = 0.0000" in r.output
    assert not (tmp_path / "never.db").exists()


def test_weights_json_matches_the_pure_module(files: dict[str, str]) -> None:
    r = CliRunner().invoke(main, ["assess", "weights", TEMPLATE, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    expected = assess(read_judgements(TEMPLATE)).weights
    assert out["consistency_ratio"] == pytest.approx(expected.consistency_ratio)
    assert out["consistent"] is True and out["method"] == "eigenvector"
    nodes = {n["id"]: n for n in out["nodes"]}
    assert len(nodes) == 1 + 5 + 17
    for node, w in expected.global_weights.items():
        assert nodes[node]["global_weight"] == pytest.approx(w)
    root = nodes["supervision"]
    pr = expected.local["supervision"]
    assert root["lambda_max"] == pytest.approx(pr.lambda_max)
    assert root["consistency_index"] == pytest.approx(pr.consistency_index)
    assert root["random_index"] == pytest.approx(pr.random_index)
    assert nodes["staffing"]["lambda_max"] is None  # a leaf has no matrix
    assert set(out["expert_consistency"]) == {"expert-1", "expert-2"}


@pytest.mark.parametrize(("name", "needle", "code"), [("bad.csv", "consistency ratio", 1),
                                                      ("broken.csv", "columns", 2),
                                                      ("j.txt", ".toml or .csv", 2)])  # fmt: skip
def test_weights_bad_file_exits_with_one_line(
    files: dict[str, str], name: str, needle: str, code: int
) -> None:
    """An inconsistent judgement is a check that failed (exit 1); a malformed file is a usage
    error (exit 2)."""
    r = CliRunner().invoke(main, ["assess", "weights", files[name]])
    assert r.exit_code == code
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]


def test_weights_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["assess", "weights", str(tmp_path / "nope.csv")])
    assert r.exit_code == 2 and "does not exist" in r.stderr


def test_record_and_list(files: dict[str, str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/a.db"
    run = CliRunner()
    r = run.invoke(main, ["--db", url, "assess", "record", files["j.csv"], "--unit", "branch-b",
                          "--scores", files["s.csv"], "--date", "2026-01-10", "--actor", "li"])  # fmt: skip
    assert r.exit_code == 0, r.output + r.stderr
    assert "recorded assessment of branch-b on 2026-01-10" in r.output and "position 1" in r.output
    r = run.invoke(
        main, ["--db", url, "assess", "record", TEMPLATE, "--unit", "branch-a", "--actor", "wang"]
    )
    assert r.exit_code == 0, r.output + r.stderr

    r = run.invoke(main, ["--db", url, "assess", "list"])
    assert r.exit_code == 0 and "branch-a" in r.output and "branch-b" in r.output
    r = run.invoke(main, ["--db", url, "assess", "list", "--as-of", "1", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert [(x["unit"], x["assessed_on"], x["actor"]) for x in rows] == [
        ("branch-b", "2026-01-10", "li")
    ]
    assert rows[0]["record"]["schema"] == "oprisk.assessment/1"


def test_record_bad_input_exits_with_one_line_and_stores_nothing(
    files: dict[str, str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/a.db"
    run = CliRunner()
    for args, code in (
        ([files["bad.csv"], "--unit", "branch-a", "--scores", files["s.csv"]], 1),
        ([files["j.csv"], "--unit", "branch-a"], 2),  # no scores
        ([files["j.csv"], "--unit", "branch-z", "--scores", files["s.csv"]], 2),
        ([TEMPLATE, "--unit", "branch-a", "--date", "yesterday"], 2),
    ):
        r = run.invoke(main, ["--db", url, "assess", "record", *args, "--actor", "x"])
        assert r.exit_code == code, r.output
        assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error: ")
    r = run.invoke(main, ["--db", url, "assess", "list", "--json"])
    assert r.exit_code == 0 and json.loads(r.output) == []
