"""The shipped template, judgement files (TOML and CSV) and the assessment record."""

from __future__ import annotations

import dataclasses
import doctest
import json
from datetime import date
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

import oprisk.assess
import oprisk.assess.assessment as assessment_module
from oprisk.assess import Assessment, assess, load_template, read_judgements
from oprisk.assess.errors import (
    JudgementFileError,
    MissingJudgementError,
    NonReciprocalError,
    OffScaleJudgementError,
)
from oprisk.errors import InconsistentJudgementError, IngestionError

CRITERIA_ZH = ["组织设置能力", "监督操作能力", "工作协调能力", "成果转化能力", "学习创新能力"]


def test_public_api_is_pinned() -> None:
    assert sorted(oprisk.assess.__all__) == sorted(
        [
            "RANDOM_INDEX", "Assessment", "AssessmentError", "Hierarchy", "HierarchyWeights",
            "JudgementSet", "Node", "PairwiseMatrix", "PriorityResult", "UnitScores",
            "aggregate_judgements", "assess", "control_environment_factor", "load_template",
            "read_judgements", "score_units", "weigh", "weigh_hierarchy",
        ]
    )  # fmt: skip


def test_supervision_template_structure() -> None:
    t = load_template("supervision")
    assert [c.name_zh for c in t.root.children] == CRITERIA_ZH
    assert [c.name for c in t.root.children] == [
        "Organisation set-up", "Supervision operation", "Coordination",
        "Turning findings into results", "Learning and innovation",
    ]  # fmt: skip
    leaves = [n for n, _, _ in t.root.walk() if n.is_leaf]
    assert len(leaves) == 17
    assert all(n.name and n.name_zh for n in leaves)
    assert len(t.experts) == 2 and t.scores is not None and t.scores.shape == (2, 17)


def test_supervision_template_computes_out_of_the_box() -> None:
    a = assess(load_template("supervision"))
    assert all(cr < 0.1 for per_node in a.expert_consistency.values() for cr in per_node.values())
    assert all(pr.consistency_ratio < 0.1 for pr in a.weights.local.values())
    assert a.weights.consistency_ratio < 0.1
    assert a.weights.indicator_weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert a.scores is not None
    summary = a.scores.summary()
    assert summary.columns.tolist() == [
        "organisation",
        "operation",
        "coordination",
        "results",
        "learning",
        "composite",
    ]
    assert summary.loc["branch-a", "composite"] > summary.loc["branch-b", "composite"]
    assert ((summary >= 0) & (summary <= 100)).all().all()


def test_template_copy_loads_by_path(tmp_path: Path) -> None:
    text = (
        resources.files("oprisk.assess")
        .joinpath("templates/supervision.toml")
        .read_text(encoding="utf-8")
    )
    copy = tmp_path / "mine.toml"
    copy.write_text(text.replace("cr_limit = 0.1", "cr_limit = 0.2"), encoding="utf-8")
    assert load_template(copy).cr_limit == 0.2
    assert read_judgements(str(copy)).cr_limit == 0.2
    with pytest.raises(
        JudgementFileError, match=r"'template': must be one of \['supervision'\] or a path"
    ):
        load_template("nonsense")


def test_assessment_dict_is_json_and_recomputes() -> None:
    a = assess(
        load_template("supervision"),
        assessor="Head of Internal Control",
        assessed_on=date(2024, 6, 30),
    )
    d = a.to_dict()
    text = json.dumps(d, ensure_ascii=False)
    back = json.loads(text)
    assert back["schema"] == "oprisk.assessment/1"
    assert back["assessor"] == "Head of Internal Control" and back["assessed_on"] == "2024-06-30"
    assert set(back) == {
        "schema",
        "template",
        "source",
        "assessor",
        "assessed_on",
        "settings",
        "hierarchy",
        "experts",
        "weights",
        "scores",
    }
    assert back["experts"][0]["judgements"]["supervision"][0] == ["organisation", "operation", 0.5]
    again = Assessment.from_dict(back)
    assert again.to_dict() == d
    one = a.to_dict(unit="branch-b")
    assert list(one["scores"]["units"]) == ["branch-b"]


def test_settings_can_be_changed_with_replace() -> None:
    t = dataclasses.replace(
        load_template("supervision"), method="geometric_mean", cr_limit=None, scores=None
    )
    a = assess(t)
    assert a.weights.method == "geometric_mean" and a.scores is None


def test_override_scores_from_a_spreadsheet() -> None:
    t = load_template("supervision")
    sheet = pd.DataFrame(
        [[3] * 17],
        index=["branch-c"],
        columns=[n.name_zh for n, _, _ in t.root.walk() if n.is_leaf],
    )
    a = assess(dataclasses.replace(t, score_scale="1-5"), sheet)
    assert a.composite is not None and a.composite["branch-c"] == pytest.approx(50)


CSV = """node,row,col,value,expert,weight
goal,org,ops,1/3,alice,2
goal,org,people,2,alice,2
goal,ops,people,5,alice,2
org,staff,rules,1,alice,2
goal,org,ops,1/2,bob,1
goal,org,people,1,bob,1
goal,ops,people,3,bob,1
org,staff,rules,2,bob,1
"""


def test_csv_judgements(tmp_path: Path) -> None:
    path = tmp_path / "j.csv"
    path.write_text("\ufeff" + CSV, encoding="utf-8")
    j = read_judgements(path)
    assert j.root.id == "goal"
    assert [c.id for c in j.root.children] == ["org", "ops", "people"]
    assert [c.id for c in j.root.children[0].children] == ["staff", "rules"]
    assert [(e.id, e.weight) for e in j.experts] == [("alice", 2.0), ("bob", 1.0)]
    h = j.hierarchy()
    assert h.matrices["org"].values[0, 1] == pytest.approx(2 ** (1 / 3))
    a = assess(j)
    assert a.weights.global_weights["staff"] + a.weights.global_weights["rules"] == pytest.approx(
        a.weights.global_weights["org"]
    )


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        (
            "node,row,value\ngoal,a,2\n",
            JudgementFileError,
            r"must include \['node', 'row', 'col', 'value'\]; missing \['col'\]",
        ),
        ("node,row,col,value\ngoal,a,b,\n", JudgementFileError, r"line 2: value"),
        ("node,row,col,value\ngoal,a,b,x\n", JudgementFileError, r"line 2: value"),
        (
            "node,row,col,value\ngoal,a,b,2\ngoal,a,c,2\n",
            MissingJudgementError,
            r"expert 'expert': missing judgement for goal: 1 of 3 pairs not given: \('b', 'c'\)",
        ),
        ("node,row,col,value\ngoal,a,b,11\n", OffScaleJudgementError, r"must be on Saaty's scale"),
        ("node,row,col,value\ngoal,a,b,2\ngoal,b,a,2\n", NonReciprocalError, "contradicts"),
        (
            "node,row,col,value\ngoal,a,b,2\na,goal,x,2\n",
            JudgementFileError,
            "must be exactly one node that is nobody's child",
        ),
        (
            "node,row,col,value,expert,weight\ngoal,a,b,2,x,1\ngoal,a,b,2,x,2\n",
            JudgementFileError,
            r"must match '1' given before",
        ),
    ],
)
def test_bad_csv(tmp_path: Path, text: str, error: type[Exception], message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=message):
        read_judgements(path)


def test_csv_inconsistent_judgements_fail_on_assess(tmp_path: Path) -> None:
    path = tmp_path / "j.csv"
    path.write_text("node,row,col,value\ngoal,a,b,2\ngoal,b,c,2\ngoal,a,c,1/5\n", encoding="utf-8")
    with pytest.raises(InconsistentJudgementError, match="'a' vs 'c' = 1/5"):
        assess(read_judgements(path))
    assert read_judgements(path, scale="any").scale == "any"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[assessment]\nid", "[assessment]\nxid"), "assessment.id"),
        (('method = "eigenvector"', 'method = "mean"'), r"assessment.method.*must be one of"),
        (
            ('  ["roles", "policies", "1/2"],\n', ""),
            r"expert 'expert-1': missing judgement for organisation.*\('roles', 'policies'\)",
        ),
        (
            ('parent = "learning"\nname = "Training', 'parent = "teaching"\nname = "Training'),
            r"parent of 'training'",
        ),
        (("weight = 1.0", "weight = -1"), "weight of expert 'expert-1'"),
        (('= "Effectiveness', '= = "'), "not valid TOML"),
    ],
)
def test_bad_toml(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    text = (
        resources.files("oprisk.assess")
        .joinpath("templates/supervision.toml")
        .read_text(encoding="utf-8")
    )
    assert edit[0] in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(Exception, match=message) as info:
        read_judgements(path)
    assert isinstance(info.value, ValueError)


def test_file_errors_are_ingestion_errors_too(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_text("", encoding="utf-8")
    with pytest.raises(IngestionError, match=r"must end in \.toml or \.csv"):
        read_judgements(path)
    with pytest.raises(FileNotFoundError):
        read_judgements(tmp_path / "missing.csv")


def test_single_judgements_table_without_experts() -> None:
    from oprisk.assess.judgements import parse_toml

    j = parse_toml(
        """
        [assessment]
        id = "g"
        assessor = "me"
        [[nodes]]
        id = "a"
        [[nodes]]
        id = "b"
        [judgements]
        g = [["a", "b", 3]]
        """
    )
    assert j.experts[0].id == "me"
    with pytest.raises(JudgementFileError, match="must give judgements"):
        parse_toml('[assessment]\nid = "g"\n[[nodes]]\nid = "a"\n')
    assert assess(j).weights.global_weights["a"] == pytest.approx(0.75)


def test_repr_html() -> None:
    html = assess(load_template("supervision"), assessor="x")._repr_html_()
    assert "hierarchic CR" in html and "composite" in html


def test_doctests() -> None:
    assert doctest.testmod(assessment_module).failed == 0


def test_docs_python_blocks_run() -> None:
    import re

    doc = Path(__file__).resolve().parents[2] / "docs" / "assess.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(doc), "exec"), {})
