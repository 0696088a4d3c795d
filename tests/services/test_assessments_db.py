"""Assessments in the store on both databases: round trip, revisions as of a cut-off, bad input."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import pytest

from oprisk.assess import Assessment, assess, control_environment_factor, load_template
from oprisk.assess.errors import AssessmentError, InvalidScoreError, JudgementFileError
from oprisk.errors import ConfigurationError, CutoffError, InconsistentJudgementError
from oprisk.services.assessments import (
    COLUMNS,
    AssessmentNotFoundError,
    adjusted_severity_scale,
    assessment,
    load_assessments,
    load_assessments_counted,
)

JUDGEMENTS = """node,row,col,value
goal,org,ops,2
goal,org,people,4
goal,ops,people,2
org,staff,rules,3
"""
INCONSISTENT = """node,row,col,value
goal,org,ops,9
goal,org,people,1/9
goal,ops,people,9
org,staff,rules,3
"""
SCORES = """unit,staff,rules,ops,people
branch-a,80,60,70,90
branch-b,40,50,30,60
"""


@pytest.fixture
def template() -> Assessment:
    return assess(load_template("supervision"), assessor="Internal Control Dept")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_round_trip(db, template: Assessment) -> None:
    recorded = db.record_assessment(
        template, unit="branch-a", actor="analyst", assessed_on=date(2026, 1, 10)
    )
    assert [(r.stream_id, r.stream_type, r.event_type) for r in recorded] == [
        ("assessment-branch-a", "assessment", "assessment.recorded")
    ]
    df = db.assessments()
    assert list(df.columns) == COLUMNS and len(df) == 1
    row = df.iloc[0]
    assert row.unit == "branch-a" and row.assessed_on == date(2026, 1, 10)
    assert row.assessor == "Internal Control Dept" and row.actor == "analyst"
    assert row.composite == pytest.approx(template.composite["branch-a"], abs=1e-12)
    assert row.consistency_ratio == pytest.approx(template.weights.consistency_ratio, abs=1e-15)
    assert row.position == recorded[0].position and row.revision == 1
    assert row.template == "supervision"
    again = assessment(db, "branch-a")
    assert again.assessed_on == date(2026, 1, 10)
    assert again.to_dict(unit="branch-a") == row.record
    assert list(again.scores.composite.index) == ["branch-a"]
    # the hash chain holds over the stored JSON (floats survive JSONB) and read models are untouched
    assert db.verify().ok
    assert db.losses().empty


def test_default_date_and_assessor(db, clock, template: Assessment) -> None:
    clock.jump(datetime(2026, 2, 3, 12, tzinfo=UTC))
    db.record_assessment(dataclasses.replace(template, assessor=None), unit="branch-b", actor="li")
    row = db.assessments().iloc[0]
    assert row.assessed_on == date(2026, 2, 3) and row.assessor == "li"
    assert row.record["assessor"] == "li" and row.record["assessed_on"] == "2026-02-03"


def test_revision_leaves_earlier_visible_as_of_its_date(db, clock, template: Assessment) -> None:
    clock.jump(datetime(2026, 1, 10, 9, tzinfo=UTC))
    first = db.record_assessment(template, unit="branch-a", actor="a", assessed_on="2026-01-10")
    clock.jump(datetime(2026, 3, 1, 9, tzinfo=UTC))
    raw = template.judgements.scores
    assert raw is not None
    revised = assess(dataclasses.replace(template.judgements, scores=raw * 0.5))
    db.record_assessment(revised, unit="branch-a", actor="b", assessed_on="2026-01-10")
    db.record_assessment(revised, unit="branch-a", actor="b", assessed_on="2026-03-01")

    then = db.assessments(as_of=date(2026, 1, 31))
    assert len(then) == 1 and then.iloc[0].actor == "a" and then.iloc[0].revision == 1
    assert then.iloc[0].composite == pytest.approx(template.composite["branch-a"])
    assert db.assessments(as_of=first[0].position).equals(then)

    now = db.assessments()
    assert list(now.assessed_on) == [date(2026, 1, 10), date(2026, 3, 1)]
    assert list(now.revision) == [2, 1] and set(now.actor) == {"b"}
    assert now.iloc[0].composite == pytest.approx(revised.composite["branch-a"])
    assert revised.composite["branch-a"] != pytest.approx(template.composite["branch-a"])

    old = assessment(db, "branch-a", as_of="2026-01-31")
    assert old.composite["branch-a"] == pytest.approx(template.composite["branch-a"])
    assert assessment(db, "branch-a").assessed_on == date(2026, 3, 1)  # latest date by default
    on = assessment(db, "branch-a", on=date(2026, 1, 10))
    assert on.composite["branch-a"] == pytest.approx(revised.composite["branch-a"])
    with pytest.raises(CutoffError, match="before the first fact"):
        assessment(db, "branch-a", as_of=date(2025, 12, 31))
    with pytest.raises(AssessmentNotFoundError):
        assessment(db, "branch-z")


def test_load_toml_records_every_unit_in_one_transaction(db) -> None:
    path = Path(str(resources.files("oprisk.assess").joinpath("templates/supervision.toml")))
    recorded = load_assessments(db, path, actor="loader", assessed_on="2025-12-31")
    assert sorted(r.payload["unit"] for r in recorded) == ["branch-a", "branch-b"]
    assert len({r.recorded_at for r in recorded}) == 1
    df = db.assessments()
    assert list(df.unit) == ["branch-a", "branch-b"] and set(df.assessor) == {"loader"}
    one = load_assessments(db, path, actor="loader", unit="branch-b")
    assert len(one) == 1 and one[0].payload["unit"] == "branch-b"


def test_load_csv_with_scores(db, tmp_path: Path) -> None:
    judgements = _write(tmp_path, "supervision.csv", JUDGEMENTS)
    scores = _write(tmp_path, "other.csv", SCORES)
    recorded = load_assessments(
        db, judgements, actor="x", unit="branch-a", scores=scores, assessed_on="2026-01-01"
    )
    assert len(recorded) == 1
    _write(tmp_path, "supervision.scores.csv", SCORES)  # the sibling convention
    recorded = load_assessments(db, judgements, actor="x", assessed_on="2026-02-01")
    assert [r.payload["unit"] for r in recorded] == ["branch-a", "branch-b"]
    a = assessment(db, "branch-b", on="2026-02-01")
    w = a.weights.global_weights
    expected = w["staff"] * 40 + w["rules"] * 50 + w["ops"] * 30 + w["people"] * 60
    assert a.composite["branch-b"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("files", "kwargs", "error"),
    [
        ({"j.csv": INCONSISTENT, "j.scores.csv": SCORES}, {}, InconsistentJudgementError),
        ({"j.csv": JUDGEMENTS}, {}, InvalidScoreError),  # no scores anywhere
        ({"j.csv": JUDGEMENTS, "j.scores.csv": SCORES.replace("90", "190")}, {}, InvalidScoreError),
        ({"j.csv": JUDGEMENTS, "j.scores.csv": SCORES.replace("60\n", "x\n")}, {}, InvalidScoreError),
        ({"j.csv": JUDGEMENTS, "j.scores.csv": "unit,staff\nbranch-a,1\n"}, {}, InvalidScoreError),
        ({"j.csv": JUDGEMENTS, "j.scores.csv": "name,staff\n"}, {}, JudgementFileError),
        ({"j.csv": JUDGEMENTS, "j.scores.csv": SCORES}, {"unit": "branch-z"}, AssessmentError),
        ({"j.csv": JUDGEMENTS, "j.scores.csv": SCORES}, {"assessed_on": "31/12/2025"}, ConfigurationError),
        ({"j.csv": "node,row\ngoal,a\n"}, {}, JudgementFileError),
        ({"j.txt": JUDGEMENTS}, {}, JudgementFileError),
        ({}, {}, JudgementFileError),  # missing file: typed, not FileNotFoundError
    ],
)  # fmt: skip
def test_bad_input_is_a_typed_error_and_stores_nothing(db, tmp_path, files, kwargs, error) -> None:
    db.record_fx_rate("USD", date(2025, 1, 1), "0.9", actor="t")
    before = db.position()
    for name, text in files.items():
        _write(tmp_path, name, text)
    path = tmp_path / (next(iter(files)) if files else "missing.csv")
    with pytest.raises(error):
        load_assessments(db, path, actor="x", **kwargs)
    assert db.position() == before and db.assessments().empty


def test_bad_record_arguments_store_nothing(db, template: Assessment) -> None:
    no_scores = assess(dataclasses.replace(template.judgements, scores=None))
    for kwargs, error in [
        ({"assessment": no_scores, "unit": "branch-a", "actor": "x"}, InvalidScoreError),
        ({"assessment": template, "unit": "nowhere", "actor": "x"}, AssessmentError),
        ({"assessment": template, "unit": " branch-a", "actor": "x"}, AssessmentError),
        ({"assessment": template, "unit": "branch-a", "actor": ""}, ConfigurationError),
        ({"assessment": {"schema": "x"}, "unit": "branch-a", "actor": "x"}, AssessmentError),
        ({"assessment": template, "unit": "branch-a", "actor": "x", "assessed_on": "2026-13-01"}, ConfigurationError),
    ]:  # fmt: skip
        with pytest.raises(error):
            db.record_assessment(**kwargs)
    assert db.position() == 0 and db.assessments().empty


def test_adjusted_severity_scale(db, clock, template: Assessment) -> None:
    db.record_assessment(template, unit="branch-a", actor="x", assessed_on="2025-06-30")
    db.record_assessment(template, unit="branch-b", actor="x", assessed_on="2025-06-30")
    raw = template.judgements.scores
    assert raw is not None
    later = assess(dataclasses.replace(template.judgements, scores=raw * 0.8))
    cut = db.position()
    db.record_assessment(later, unit="branch-a", actor="x", assessed_on="2025-12-31")

    uoms = {"ET7/BL3": "branch-a", "ET2/BL3": "branch-a", "ET7/BL4": "branch-b"}
    df = adjusted_severity_scale(db, uoms, lower=0.9, upper=1.1)
    assert list(df.unit_of_measure) == list(uoms)
    a_now = later.composite["branch-a"]
    assert df.factor.iloc[0] == pytest.approx(
        control_environment_factor(a_now, lower=0.9, upper=1.1)
    )
    assert df.composite.iloc[0] == pytest.approx(a_now) and df.assessed_on.iloc[0] == date(
        2025, 12, 31
    )
    assert df.factor.iloc[2] == pytest.approx(
        control_environment_factor(template.composite["branch-b"], lower=0.9, upper=1.1)
    )
    assert ((df.factor >= 0.9) & (df.factor <= 1.1)).all()

    then = adjusted_severity_scale(db, uoms, lower=0.9, upper=1.1, as_of=cut)
    assert then.composite.iloc[0] == pytest.approx(template.composite["branch-a"])

    with pytest.raises(AssessmentNotFoundError, match="branch-z"):
        adjusted_severity_scale(db, {"X": "branch-z"}, lower=0.9, upper=1.1)
    with pytest.raises(InvalidScoreError):
        adjusted_severity_scale(db, uoms, lower=1.2, upper=1.1)
    with pytest.raises(ConfigurationError):
        adjusted_severity_scale(db, {}, lower=0.9, upper=1.1)


def test_loading_the_same_assessments_again_appends_nothing(db) -> None:
    path = Path(str(resources.files("oprisk.assess").joinpath("templates/supervision.toml")))
    first, units = load_assessments_counted(db, path, actor="loader", assessed_on="2025-12-31")
    assert len(first) == units == 2
    head = db.position()
    again, units = load_assessments_counted(db, path, actor="loader", assessed_on="2025-12-31")
    assert (again, units) == ([], 2) and db.position() == head
    # another date is a new assessment; another assessor on the same date a revision
    assert len(load_assessments(db, path, actor="loader", assessed_on="2026-01-31")) == 2
    assert len(load_assessments(db, path, actor="other", assessed_on="2025-12-31")) == 2
    df = db.assessments()  # per unit and date: 2025-12-31 revised once, 2026-01-31 new
    assert list(zip(df.unit, df.revision, strict=True)) == [
        ("branch-a", 2),
        ("branch-a", 1),
        ("branch-b", 2),
        ("branch-b", 1),
    ]
