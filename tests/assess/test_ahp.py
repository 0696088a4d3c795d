"""Pairwise matrices, weights and consistency: published examples, properties, bad input."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oprisk.assess.ahp as ahp_module
import oprisk.assess.matrix as matrix_module
from oprisk.assess import RANDOM_INDEX, PairwiseMatrix, aggregate_judgements, weigh
from oprisk.assess.errors import (
    AssessmentError,
    MatrixShapeError,
    MissingJudgementError,
    NonPositiveJudgementError,
    NonReciprocalError,
    OffScaleJudgementError,
)
from oprisk.errors import CapitalError, InconsistentJudgementError

# Saaty (1990), "How to make a decision: the analytic hierarchy process", European Journal of
# Operational Research 48:9–26, the house-buying example (Table 2 and the alternatives' tables).
HOUSE_CRITERIA = [
    "size", "transportation", "neighborhood", "age", "yard", "modern", "condition", "financing",
]  # fmt: skip
HOUSE_MATRIX = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]


def test_saaty_1990_house_criteria_reproduce_published_weights_and_cr() -> None:
    """Saaty (1990) EJOR 48:9–26, house example, criteria matrix: weights .173 .054 .188 .018
    .031 .036 .167 .333; λmax = 9.669, CI = 0.238, CR = 0.169 (published to 3 decimals)."""
    r = weigh(PairwiseMatrix(HOUSE_MATRIX, HOUSE_CRITERIA), cr_limit=None)
    assert np.round(r.weights, 3).tolist() == [
        0.173,
        0.054,
        0.188,
        0.018,
        0.031,
        0.036,
        0.167,
        0.333,
    ]
    assert round(r.lambda_max, 3) == 9.669
    assert round(r.consistency_index, 3) == 0.238
    assert r.random_index == 1.41
    assert round(r.consistency_ratio, 3) == 0.169
    assert not r.is_consistent


@pytest.mark.parametrize(
    ("rows", "weights", "lambda_max", "cr"),
    [
        # "Size of house": A, B, C.
        ([[1, 6, 8], [1 / 6, 1, 4], [1 / 8, 1 / 4, 1]], [0.754, 0.181, 0.065], 3.136, 0.117),
        # "Yard space".
        ([[1, 5, 4], [1 / 5, 1, 1 / 3], [1 / 4, 3, 1]], [0.674, 0.101, 0.226], 3.086, 0.074),
        # "Modern facilities".
        ([[1, 8, 6], [1 / 8, 1, 1 / 5], [1 / 6, 5, 1]], [0.747, 0.060, 0.193], 3.197, 0.170),
        # "General condition": consistent.
        ([[1, 1 / 2, 1 / 2], [2, 1, 1], [2, 1, 1]], [0.200, 0.400, 0.400], 3.000, 0.000),
    ],
)
def test_saaty_1990_house_alternatives(
    rows: list[list[float]], weights: list[float], lambda_max: float, cr: float
) -> None:
    """Saaty (1990) EJOR 48:9–26, house example, comparisons of houses A, B, C per criterion
    (RI = 0.58 for n = 3), published to 3 decimals."""
    r = weigh(PairwiseMatrix(rows, ["A", "B", "C"]), cr_limit=None)
    assert np.round(r.weights, 3).tolist() == weights
    assert round(r.lambda_max, 3) == lambda_max
    assert round(r.consistency_ratio, 3) == cr


def test_random_index_table_is_saatys() -> None:
    assert [RANDOM_INDEX[n] for n in range(1, 16)] == [
        0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
    ]  # fmt: skip


def test_order_without_random_index_needs_a_table() -> None:
    n = 16
    m = PairwiseMatrix(np.ones((n, n)))
    with pytest.raises(MatrixShapeError, match="random index"):
        weigh(m)
    assert weigh(m, random_index={16: 1.6}).consistency_ratio == 0.0


@st.composite
def positive_weights(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(1, 12))
    w = np.array(draw(st.lists(st.floats(0.01, 100.0), min_size=n, max_size=n)))
    return w / w.sum()


@settings(max_examples=200, deadline=None)
@given(positive_weights(), st.sampled_from(["eigenvector", "geometric_mean"]))
def test_consistent_matrix_returns_its_weights_exactly(w: np.ndarray, method: str) -> None:
    """a_ij = w_i / w_j is consistent: both methods return w to 1e-12, λmax = n, CR = 0."""
    m = PairwiseMatrix(w[:, None] / w[None, :], scale=None)
    r = weigh(m, method=method)  # type: ignore[arg-type]
    np.testing.assert_allclose(r.weights, w, rtol=1e-12, atol=1e-12)
    assert r.lambda_max == len(w)
    assert r.consistency_index == 0.0 and r.consistency_ratio == 0.0
    assert r.most_inconsistent is None


def test_n_le_2_has_cr_zero() -> None:
    assert weigh([[1.0]]).weights == (1.0,)
    r = weigh(PairwiseMatrix([[1, 9], [1 / 9, 1]], ["a", "b"]))
    assert r.weights == pytest.approx((0.9, 0.1), abs=1e-15)
    assert r.consistency_ratio == 0.0


def test_geometric_mean_method_differs_on_inconsistent_matrix_but_agrees_roughly() -> None:
    m = PairwiseMatrix(HOUSE_MATRIX, HOUSE_CRITERIA)
    ev = weigh(m, cr_limit=None)
    gm = weigh(m, method="geometric_mean", cr_limit=None)
    assert gm.lambda_max == ev.lambda_max  # a property of the matrix
    assert np.abs(np.array(gm.weights) - np.array(ev.weights)).max() < 0.05
    assert np.argsort(gm.weights)[-1] == np.argsort(ev.weights)[-1] == 7  # financing first


def test_from_judgements_builds_the_reciprocal_matrix() -> None:
    m = PairwiseMatrix.from_judgements(
        ["a", "b", "c"], {("a", "b"): 3, ("c", "a"): "1/5", ("b", "c"): "1/2"}
    )
    np.testing.assert_allclose(m.values, [[1, 3, 5], [1 / 3, 1, 1 / 2], [1 / 5, 2, 1]], rtol=1e-15)
    assert m.judgements() == pytest.approx({("a", "b"): 3, ("a", "c"): 5, ("b", "c"): 0.5})
    assert not m.values.flags.writeable


def test_spreadsheet_values_snap_to_the_scale() -> None:
    m = PairwiseMatrix([[1, 0.33, 8], [3, 1, 1], [0.13, 1, 1]], ["a", "b", "c"])
    assert m.values[0, 1] == 1 / 3 and m.values[1, 0] == 3.0
    assert m.values[2, 0] == 1 / 8


def test_most_inconsistent_pair_is_named_in_the_error() -> None:
    # a > b by 2, b > c by 2, yet c > a by 5: the (a, c) judgement is the odd one out.
    m = PairwiseMatrix.from_judgements(
        ["a", "b", "c"], {("a", "b"): 2, ("b", "c"): 2, ("a", "c"): "1/5"}, name="goal"
    )
    with pytest.raises(
        InconsistentJudgementError,
        match=r"consistency ratio of 'goal'.*must be at most 0\.1.*'a' vs 'c' = 1/5",
    ) as info:
        weigh(m)
    assert isinstance(info.value, CapitalError)
    r = weigh(m, cr_limit=None)
    assert r.consistency_ratio > 0.1
    assert r.most_inconsistent is not None
    assert (r.most_inconsistent.row, r.most_inconsistent.col) == ("a", "c")
    assert weigh(m, cr_limit=1.0).consistency_ratio == r.consistency_ratio


def test_cr_equal_to_limit_passes() -> None:
    m = PairwiseMatrix([[1, 6, 8], [1 / 6, 1, 4], [1 / 8, 1 / 4, 1]])
    cr = weigh(m, cr_limit=None).consistency_ratio
    assert weigh(m, cr_limit=cr).consistency_ratio == cr


# --- aggregation --------------------------------------------------------------------------------


def test_geometric_mean_of_identical_matrices_is_the_matrix() -> None:
    m = PairwiseMatrix(HOUSE_MATRIX, HOUSE_CRITERIA)
    agg = aggregate_judgements([m, m, m], weights=[1, 2, 3])
    np.testing.assert_allclose(agg.values, m.values, rtol=1e-14)
    assert agg.labels == m.labels


def test_geometric_mean_aggregation_is_reciprocal_and_weighted() -> None:
    a = PairwiseMatrix.from_judgements(
        ["x", "y", "z"], {("x", "y"): 3, ("x", "z"): 5, ("y", "z"): 2}
    )
    b = PairwiseMatrix.from_judgements(
        ["z", "x", "y"], {("x", "y"): "1/3", ("x", "z"): 1, ("y", "z"): 4}
    )
    agg = aggregate_judgements([a, b])
    v = agg.values
    np.testing.assert_allclose(v * v.T, np.ones((3, 3)), rtol=1e-15)
    assert (
        v[0, 1] == pytest.approx(1.0)
        and v[0, 2] == pytest.approx(np.sqrt(5))
        and v[1, 2] == pytest.approx(np.sqrt(8))
    )
    weighted = aggregate_judgements([a, b], weights=[3, 1])
    assert weighted.values[0, 1] == pytest.approx(3 ** (3 / 4) * (1 / 3) ** (1 / 4))
    np.testing.assert_allclose(
        aggregate_judgements([a, b], weights=[1, 0]).values, a.values, rtol=1e-14
    )


def test_aggregation_rejects_mismatched_inputs() -> None:
    a = PairwiseMatrix(np.ones((2, 2)), ["x", "y"])
    b = PairwiseMatrix(np.ones((2, 2)), ["x", "z"])
    with pytest.raises(MatrixShapeError, match="must be the elements"):
        aggregate_judgements([a, b])
    with pytest.raises(MatrixShapeError, match="one weight per matrix"):
        aggregate_judgements([a, a], weights=[1])
    with pytest.raises(NonPositiveJudgementError, match="'weights'"):
        aggregate_judgements([a, a], weights=[-1, 2])


# --- bad input ------------------------------------------------------------------------------------


def test_non_reciprocal_matrix_names_the_pair() -> None:
    with pytest.raises(
        NonReciprocalError,
        match=r"invalid value 3\.0 for \"m\['b', 'c'\]\": must be the reciprocal of m\['c', 'b'\] = 3\.0",
    ):
        PairwiseMatrix([[1, 2, 4], [1 / 2, 1, 3], [1 / 4, 3, 1]], ["a", "b", "c"], name="m")


def test_diagonal_must_be_one() -> None:
    with pytest.raises(NonReciprocalError, match="diagonal must be 1"):
        PairwiseMatrix([[2, 1], [1, 1]])


@pytest.mark.parametrize("bad", [0.0, -2.0, np.inf, np.nan])
def test_non_positive_judgement(bad: float) -> None:
    with pytest.raises(
        NonPositiveJudgementError, match=r"\['a', 'b'\].*must be positive and finite"
    ):
        PairwiseMatrix([[1, bad], [1, 1]], ["a", "b"])


@pytest.mark.parametrize("bad", ["zero", "1/0", True, None, "-3"])
def test_unparseable_judgement(bad: object) -> None:
    with pytest.raises(NonPositiveJudgementError, match=r"\('a', 'b'\)|\['a', 'b'\]"):
        PairwiseMatrix.from_judgements(["a", "b"], {("a", "b"): bad})  # type: ignore[dict-item]


def test_non_square_and_label_count() -> None:
    with pytest.raises(
        MatrixShapeError, match=r"invalid value \(2, 3\) for 'matrix.shape': must be square"
    ):
        PairwiseMatrix(np.ones((2, 3)))
    with pytest.raises(MatrixShapeError, match="must have 3 labels, one per row"):
        PairwiseMatrix(np.ones((3, 3)), ["a", "b"])
    with pytest.raises(MatrixShapeError, match=r"must be distinct; repeated: \['a'\]"):
        PairwiseMatrix(np.ones((2, 2)), ["a", "a"])


def test_off_scale_judgement_names_value_and_rule() -> None:
    with pytest.raises(
        OffScaleJudgementError,
        match=r"invalid value 12\.0 for \"matrix\['a', 'b'\]\": must be on Saaty's scale 1\.\.9",
    ):
        PairwiseMatrix([[1, 12], [1 / 12, 1]], ["a", "b"])
    with pytest.raises(OffScaleJudgementError, match="must be on Saaty's scale"):
        PairwiseMatrix([[1, 2.5], [0.4, 1]], ["a", "b"])
    with pytest.raises(NonReciprocalError, match=r"within rtol 0\.005"):
        PairwiseMatrix([[1, 0.33], [3, 1]], ["a", "b"], rtol=0.005)
    assert PairwiseMatrix([[1, 2.5], [0.4, 1]], ["a", "b"], scale=None).values[0, 1] == 2.5
    with pytest.raises(
        OffScaleJudgementError, match=r"must be one of \['1/5', '1/3', '1', '3', '5'\]"
    ):
        PairwiseMatrix([[1, 2], [0.5, 1]], ["a", "b"], scale=[1, 3, 5])


def test_missing_judgements_are_listed() -> None:
    with pytest.raises(
        MissingJudgementError,
        match=r"missing judgement for goal: 2 of 3 pairs not given: \('a', 'c'\), \('b', 'c'\)",
    ):
        PairwiseMatrix.from_judgements(["a", "b", "c"], {("a", "b"): 2}, name="goal")


def test_unknown_label_and_contradiction() -> None:
    with pytest.raises(
        MatrixShapeError, match=r"invalid value 'd' for \"matrix\['a', 'd'\]\": must be one of"
    ):
        PairwiseMatrix.from_judgements(["a", "b"], {("a", "d"): 2})
    with pytest.raises(
        NonReciprocalError, match=r"contradicts the judgement matrix\['a', 'b'\] = 2"
    ):
        PairwiseMatrix.from_judgements(["a", "b"], {("a", "b"): 2, ("b", "a"): 2})


def test_errors_share_a_base() -> None:
    for cls in (
        MatrixShapeError,
        NonReciprocalError,
        NonPositiveJudgementError,
        OffScaleJudgementError,
        MissingJudgementError,
    ):
        assert (
            issubclass(cls, AssessmentError)
            and issubclass(cls, CapitalError)
            and issubclass(cls, ValueError)
        )


def test_result_objects_serialise() -> None:
    import json

    r = weigh(PairwiseMatrix(HOUSE_MATRIX, HOUSE_CRITERIA), cr_limit=None)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["weights"]["financing"] == pytest.approx(0.333, abs=5e-4)
    assert d["most_inconsistent"]["row"] in HOUSE_CRITERIA
    assert len(d["judgements"]) == 28
    assert list(r.summary().columns) == ["weight", "rank"]
    assert r.summary().loc["financing", "rank"] == 1
    assert "CR = 0.169" in r._repr_html_()
    with pytest.raises(AttributeError):
        r.consistency_ratio = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("module", [ahp_module, matrix_module])
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.failed == 0
    assert result.attempted > 0


def test_dataframe_input_and_bad_options() -> None:
    import pandas as pd

    frame = pd.DataFrame([[1, 3], [1 / 3, 1]], index=["x", "y"], columns=["x", "y"])
    r = weigh(frame)
    assert r.labels == ("x", "y") and r["x"] == pytest.approx(0.75)
    assert PairwiseMatrix(frame).to_frame().equals(frame.astype(float))
    with pytest.raises(MatrixShapeError, match="must equal the index"):
        PairwiseMatrix(frame[["y", "x"]])
    with pytest.raises(
        AssessmentError, match="'method': must be 'eigenvector' or 'geometric_mean'"
    ):
        weigh(frame, method="mean")  # type: ignore[arg-type]
    with pytest.raises(AssessmentError, match="'cr_limit'"):
        weigh(frame, cr_limit=-1)
