"""Hierarchies: composite weights, hierarchic consistency, unit scores, control factor."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oprisk.assess.scores as scores_module
from oprisk.assess import (
    Hierarchy,
    Node,
    PairwiseMatrix,
    control_environment_factor,
    score_units,
    weigh,
    weigh_hierarchy,
)
from oprisk.assess.errors import (
    HierarchyError,
    InvalidScoreError,
    MatrixShapeError,
    MissingJudgementError,
)
from oprisk.errors import InconsistentJudgementError

from .test_ahp import HOUSE_CRITERIA, HOUSE_MATRIX


def two_level() -> Hierarchy:
    """goal → {A, B}; A → {a1, a2}; B → {b1, b2, b3} with consistent, off-scale judgements."""
    root = Node(
        "goal",
        children=(
            Node("A", children=(Node("a1"), Node("a2"))),
            Node("B", children=(Node("b1"), Node("b2"), Node("b3"))),
        ),
    )
    return Hierarchy(
        root,
        {
            "goal": {("A", "B"): 0.56023 / 0.43977},
            "A": {("a1", "a2"): 0.63335 / 0.36665},
            "B": {("b1", "b2"): 2, ("b1", "b3"): 4, ("b2", "b3"): 2},
        },
        scale=None,
    )


def test_composite_weight_is_the_product_of_local_weights() -> None:
    """0.56023 × 0.63335 = 0.35482 (local weights of A in goal and a1 in A)."""
    w = weigh_hierarchy(two_level())
    assert w.local_weights["A"] == pytest.approx(0.56023, abs=1e-12)
    assert w.local_weights["a1"] == pytest.approx(0.63335, abs=1e-12)
    assert round(w.global_weights["a1"], 5) == 0.35482
    assert w.global_weights["b2"] == pytest.approx(0.43977 * 2 / 7, abs=1e-12)
    assert w.indicator_weights.sum() == pytest.approx(1.0, abs=1e-14)
    assert list(w.indicator_weights.index) == ["a1", "a2", "b1", "b2", "b3"]
    assert w.consistency_ratio == 0.0


@st.composite
def random_tree(draw: st.DrawFn, depth: int = 0, prefix: str = "n") -> Node:
    n_children = 0 if depth == 3 else draw(st.integers(0 if depth else 2, 4))
    kids = tuple(draw(random_tree(depth + 1, f"{prefix}.{k}")) for k in range(n_children))
    return Node(prefix, children=kids)


@settings(max_examples=50, deadline=None)
@given(random_tree(), st.integers(0, 2**32 - 1))
def test_global_weights_multiply_along_any_path(root: Node, seed: int) -> None:
    rng = np.random.default_rng(seed)
    judgements: dict[str, PairwiseMatrix] = {}
    for node, _, _ in root.walk():
        if len(node.children) > 1:
            m = len(node.children)
            a = rng.choice([1, 2, 3, 1 / 2, 1 / 3], size=(m, m))
            a = np.triu(a, 1) + np.triu(1 / a, 1).T + np.eye(m)
            judgements[node.id] = PairwiseMatrix(a, [c.id for c in node.children])
    h = Hierarchy(root, judgements)
    w = weigh_hierarchy(h, cr_limit=None)
    for node, _, _ in h.nodes():
        product = float(np.prod([w.local_weights[x] for x in h.path(node.id)]))
        assert w.global_weights[node.id] == pytest.approx(product, rel=1e-12)
    assert w.indicator_weights.sum() == pytest.approx(1.0, abs=1e-12)


def test_hierarchic_consistency_ratio_by_hand() -> None:
    """CR_H = Σ g_k CI_k / Σ g_k RI_k over the goal and the criteria (Saaty 1980)."""
    root = Node(
        "goal",
        children=(
            Node("A", children=(Node("a1"), Node("a2"), Node("a3"))),
            Node("B", children=(Node("b1"), Node("b2"), Node("b3"))),
        ),
    )
    mA = [[1, 6, 8], [1 / 6, 1, 4], [1 / 8, 1 / 4, 1]]
    mB = [[1, 5, 4], [1 / 5, 1, 1 / 3], [1 / 4, 3, 1]]
    h = Hierarchy(
        root,
        {
            "goal": PairwiseMatrix([[1, 3], [1 / 3, 1]], ["A", "B"]),
            "A": PairwiseMatrix(mA, ["a1", "a2", "a3"]),
            "B": PairwiseMatrix(mB, ["b1", "b2", "b3"]),
        },
    )
    w = weigh_hierarchy(h, cr_limit=None)
    ciA, ciB = (
        weigh(mA, cr_limit=None).consistency_index,
        weigh(mB, cr_limit=None).consistency_index,
    )
    expected = (0.75 * ciA + 0.25 * ciB) / (0.75 * 0.58 + 0.25 * 0.58)
    assert w.consistency_ratio == pytest.approx(expected, rel=1e-12)
    assert w.level_consistency[0] == 0.0 and w.level_consistency[1] == pytest.approx(
        expected, rel=1e-12
    )
    with pytest.raises(
        InconsistentJudgementError, match=r"consistency ratio of 'A'.*must be at most 0\.1"
    ):
        weigh_hierarchy(h)  # CR(A) = 0.117


def test_hierarchic_cr_lies_between_the_node_crs() -> None:
    """CR_H is a mediant of the node ratios CI_k/RI_k, so it never exceeds the largest one."""
    root = Node(
        "goal", children=(Node("A", children=(Node("a1"), Node("a2"), Node("a3"))), Node("B"))
    )
    mA = PairwiseMatrix(
        [[1, 5, 4], [1 / 5, 1, 1 / 3], [1 / 4, 3, 1]], ["a1", "a2", "a3"]
    )  # CR 0.074
    h = Hierarchy(root, {"goal": PairwiseMatrix([[1, 1], [1, 1]], ["A", "B"]), "A": mA})
    w = weigh_hierarchy(h)
    assert w.consistency_ratio == pytest.approx(weigh(mA).consistency_ratio, rel=1e-12)
    with pytest.raises(
        InconsistentJudgementError,
        match=r"consistency ratio of 'A'.*must be at most 0\.05; the most inconsistent judgement is",
    ):
        weigh_hierarchy(h, cr_limit=0.05)


def test_saaty_1990_house_synthesis_through_unit_scores() -> None:
    """Saaty (1990) EJOR 48:9–26: criteria weights × houses' local priorities give the overall
    priorities A = .396, B = .341, C = .263. Here the houses are units and their local priorities
    (× 100) their indicator scores."""
    root = Node("house", children=tuple(Node(c) for c in HOUSE_CRITERIA))
    h = Hierarchy(root, {"house": PairwiseMatrix(HOUSE_MATRIX, HOUSE_CRITERIA)})
    weights = weigh_hierarchy(h, cr_limit=None)
    houses = {
        "size": [[1, 6, 8], [1 / 6, 1, 4], [1 / 8, 1 / 4, 1]],
        "transportation": [[1, 7, 1 / 5], [1 / 7, 1, 1 / 8], [5, 8, 1]],
        "neighborhood": [[1, 8, 6], [1 / 8, 1, 1 / 4], [1 / 6, 4, 1]],
        "age": [[1, 1, 1], [1, 1, 1], [1, 1, 1]],
        "yard": [[1, 5, 4], [1 / 5, 1, 1 / 3], [1 / 4, 3, 1]],
        "modern": [[1, 8, 6], [1 / 8, 1, 1 / 5], [1 / 6, 5, 1]],
        "condition": [[1, 1 / 2, 1 / 2], [2, 1, 1], [2, 1, 1]],
        "financing": [[1, 1 / 7, 1 / 5], [7, 1, 3], [5, 1 / 3, 1]],
    }
    scores = pd.DataFrame(
        {
            c: 100 * weigh(PairwiseMatrix(m, list("ABC")), cr_limit=None).series
            for c, m in houses.items()
        }
    )
    result = score_units(weights, scores)
    assert (result.composite / 100).round(3).tolist() == [0.396, 0.341, 0.263]


def supervision_like() -> Hierarchy:
    root = Node(
        "goal",
        children=(
            Node(
                "org",
                "Organisation",
                "组织设置能力",
                (
                    Node("staff", "Staffing adequacy", "人员配备充足性"),
                    Node("rules", "Policies", "制度健全性"),
                ),
            ),
            Node("ops", "Operation", "监督操作能力", (Node("cover", "Coverage", "监督覆盖率"),)),
        ),
    )
    return Hierarchy(root, {"goal": {("org", "ops"): "1/3"}, "org": {("staff", "rules"): 1}})


def test_scores_roll_up_and_accept_names() -> None:
    w = weigh_hierarchy(supervision_like())
    scores = pd.DataFrame(
        {"人员配备充足性": [80, 40], "Policies": [60, 40], "cover": [90, 40]}, index=["b1", "b2"]
    )
    s = score_units(w, scores)
    assert s.summary().columns.tolist() == ["org", "ops", "composite"]
    assert s.summary().loc["b1", "org"] == pytest.approx(70)
    assert s.summary().loc["b1", "composite"] == pytest.approx(0.25 * 70 + 0.75 * 90)
    assert s.composite["b2"] == pytest.approx(40)
    assert s.to_dict()["units"]["b1"]["indicators"] == {"staff": 80, "rules": 60, "cover": 90}


def test_one_to_five_scale_maps_linearly_to_percent() -> None:
    w = weigh_hierarchy(supervision_like())
    s = score_units(w, {"u": {"staff": 1, "rules": 5, "cover": 3}}, scale="1-5")
    assert s.node_scores.loc["u", "staff"] == 0 and s.node_scores.loc["u", "rules"] == 100
    assert s.composite["u"] == pytest.approx(0.25 * 50 + 0.75 * 50)


@pytest.mark.parametrize(
    ("scores", "scale", "message"),
    [
        ({"u": {"staff": 80, "rules": 60}}, "0-100", r"lacks the indicators \['cover'\]"),
        (
            {"u": {"staff": 80, "rules": 60, "cover": 90, "extra": 1}},
            "0-100",
            r"invalid value 'extra' for 'indicator': must be one of",
        ),
        (
            {"u": {"staff": 120, "rules": 60, "cover": 90}},
            "0-100",
            r"invalid value 120 for \"scores\['u', 'staff'\]\": must be a number in \[0, 100\]",
        ),
        (
            {"u": {"staff": 0, "rules": 3, "cover": 3}},
            "1-5",
            r"must be a number in \[1, 5\] \(scale '1-5'\)",
        ),
        (
            {"u": {"staff": float("nan"), "rules": 3, "cover": 3}},
            "0-100",
            r"\"scores\['u', 'staff'\]\"",
        ),
        ({"u": {"staff": 1, "rules": 3, "cover": 3}}, "0-10", r"must be '0-100' or '1-5'"),
    ],
)
def test_bad_scores(scores: dict[str, dict[str, float]], scale: str, message: str) -> None:
    w = weigh_hierarchy(supervision_like())
    with pytest.raises(InvalidScoreError, match=message):
        score_units(w, scores, scale=scale)  # type: ignore[arg-type]


def test_hierarchy_structure_errors() -> None:
    root = supervision_like().root
    with pytest.raises(
        HierarchyError,
        match=r"invalid value None for \"judgements\['org'\]\": must compare its children \['staff', 'rules'\]",
    ):
        Hierarchy(root, {"goal": {("org", "ops"): 2}})
    with pytest.raises(HierarchyError, match=r"must name nodes of the hierarchy"):
        Hierarchy(root, {"goal": {("org", "ops"): 2}, "org": {("staff", "rules"): 1}, "nope": {}})
    with pytest.raises(HierarchyError, match="is an indicator"):
        Hierarchy(root, {"goal": {("org", "ops"): 2}, "org": {("staff", "rules"): 1}, "cover": {}})
    with pytest.raises(
        MissingJudgementError,
        match=r"missing judgement for org: 1 of 1 pairs not given: \('staff', 'rules'\)",
    ):
        Hierarchy(root, {"goal": {("org", "ops"): 2}, "org": {}})
    with pytest.raises(MatrixShapeError, match=r"must be the children \['staff', 'rules'\]"):
        Hierarchy(
            root,
            {"goal": {("org", "ops"): 2}, "org": PairwiseMatrix(np.ones((2, 2)), ["staff", "x"])},
        )
    dup = Node("g", children=(Node("a"), Node("a")))
    with pytest.raises(HierarchyError, match="must be unique"):
        Hierarchy(dup, {})


def test_hierarchy_round_trips_through_dict() -> None:
    h = supervision_like()
    again = Hierarchy.from_dict(h.to_dict())
    assert again.root == h.root
    assert all(again.matrices[k] == m for k, m in h.matrices.items())
    assert h.path("staff") == ("goal", "org", "staff")


def test_weights_summary_and_dict() -> None:
    import json

    w = weigh_hierarchy(supervision_like())
    s = w.summary()
    assert s.loc["staff", "global_weight"] == pytest.approx(0.125)
    assert s.loc["cover", "local_weight"] == 1.0
    assert s.loc["org", "name_zh"] == "组织设置能力"
    d = json.loads(json.dumps(w.to_dict()))
    assert d["global_weights"]["ops"] == pytest.approx(0.75)
    assert "ops" not in d["nodes"]  # one child, nothing judged
    assert "<table" in w._repr_html_()


def test_control_environment_factor() -> None:
    assert control_environment_factor(100.0, lower=0.8, upper=1.2) == pytest.approx(0.8)
    assert control_environment_factor(0.0, lower=0.8, upper=1.2) == pytest.approx(1.2)
    assert control_environment_factor(50.0, lower=0.8, upper=1.2) == pytest.approx(1.0)
    series = control_environment_factor(pd.Series([100.0, 0.0]), lower=0.9, upper=1.1)
    assert series.tolist() == pytest.approx([0.9, 1.1])
    with pytest.raises(
        InvalidScoreError, match=r"invalid value 101.0 for 'score': must be in \[0, 100\]"
    ):
        control_environment_factor(101.0, lower=0.9, upper=1.1)
    with pytest.raises(InvalidScoreError, match="must not exceed upper"):
        control_environment_factor(50.0, lower=1.2, upper=0.8)
    with pytest.raises(InvalidScoreError, match="'lower': must be a positive finite number"):
        control_environment_factor(50.0, lower=0.0, upper=0.8)
    with pytest.raises(TypeError):
        control_environment_factor(50.0)  # type: ignore[call-arg]


def test_doctests() -> None:
    result = doctest.testmod(scores_module)
    assert result.failed == 0
    assert result.attempted > 0
