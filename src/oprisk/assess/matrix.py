"""Pairwise comparison matrices, and several experts' matrices combined into one.

A :class:`PairwiseMatrix` holds one expert's (or an aggregated) judgements on a set of labelled
elements: ``a[i, j]`` says how many times more important element ``i`` is than element ``j``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from oprisk.assess.errors import (
    MatrixShapeError,
    MissingJudgementError,
    NonPositiveJudgementError,
    NonReciprocalError,
)
from oprisk.assess.scale import (
    Judgement,
    Scale,
    format_judgement,
    parse_judgement,
    scale_values,
    snap,
)
from oprisk.errors import invalid


class PairwiseMatrix:
    """A validated reciprocal pairwise comparison matrix with labelled rows and columns.

    Parameters
    ----------
    values
        Square array (or a DataFrame whose index and columns are the labels).
    labels
        One distinct label per row; defaults to the DataFrame index or ``"1" … "n"``.
    scale
        ``"saaty"`` (1–9 and reciprocals, the default), ``None`` for any positive value, or a list
        of allowed values ≥ 1 (their reciprocals are implied).
    rtol
        Relative tolerance for the unit diagonal, for reciprocity (``a_ij · a_ji = 1``) and for
        membership of the scale (default 5 %, enough for values rounded to two decimals such as
        0.13 for 1/8, and well below the 12.5 % gap between neighbouring scale values). Values
        within it are snapped: judgements to the nearest scale value and the lower triangle to
        the exact reciprocal of the upper one, so ``0.33`` typed in a spreadsheet becomes 1/3.
    name
        What the matrix compares (a hierarchy node id); used in messages.

    Raises
    ------
    MatrixShapeError, NonPositiveJudgementError, NonReciprocalError, OffScaleJudgementError

    Examples
    --------
    >>> m = PairwiseMatrix.from_judgements(["a", "b", "c"], {("a", "b"): 2, ("a", "c"): 4, ("b", "c"): 2})
    >>> float(m.values[2, 0])
    0.25
    """

    __slots__ = ("_labels", "_name", "_scale", "_values")

    def __init__(
        self,
        values: Any,
        labels: Iterable[str] | None = None,
        *,
        scale: Scale = "saaty",
        rtol: float = 0.05,
        name: str = "matrix",
    ) -> None:
        if isinstance(values, pd.DataFrame):
            if labels is None:
                labels = [str(x) for x in values.index]
            if [str(x) for x in values.columns] != [str(x) for x in values.index]:
                raise MatrixShapeError(
                    invalid(
                        f"{name}.columns",
                        list(values.columns),
                        f"must equal the index {list(values.index)}",
                    )
                )
            values = values.to_numpy()
        try:
            array = np.array(values, dtype=float)
        except (TypeError, ValueError):
            array = np.array(
                [[parse_judgement(v, name) for v in row] for row in values], dtype=float
            )
        if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] == 0:
            raise MatrixShapeError(
                invalid(f"{name}.shape", array.shape, "must be square and non-empty")
            )
        n = array.shape[0]
        labs = (
            tuple(str(x) for x in labels)
            if labels is not None
            else tuple(str(k) for k in range(1, n + 1))
        )
        if len(labs) != n:
            raise MatrixShapeError(
                invalid(f"{name}.labels", list(labs), f"must have {n} labels, one per row")
            )
        if len(set(labs)) != n:
            dupes = sorted({x for x in labs if labs.count(x) > 1})
            raise MatrixShapeError(
                invalid(f"{name}.labels", list(labs), f"must be distinct; repeated: {dupes}")
            )
        allowed = scale_values(scale)
        for i in range(n):
            for j in range(n):
                v = array[i, j]
                if not math.isfinite(v) or v <= 0:
                    raise NonPositiveJudgementError(
                        invalid(
                            f"{name}[{labs[i]!r}, {labs[j]!r}]",
                            float(v),
                            "must be positive and finite",
                        )
                    )
        out = np.ones((n, n))
        for i in range(n):
            if not math.isclose(array[i, i], 1.0, rel_tol=rtol):
                raise NonReciprocalError(
                    invalid(
                        f"{name}[{labs[i]!r}, {labs[i]!r}]",
                        float(array[i, i]),
                        "diagonal must be 1",
                    )
                )
            for j in range(i + 1, n):
                a, b = float(array[i, j]), float(array[j, i])
                if not math.isclose(a * b, 1.0, rel_tol=rtol):
                    raise NonReciprocalError(
                        invalid(
                            f"{name}[{labs[i]!r}, {labs[j]!r}]",
                            a,
                            f"must be the reciprocal of {name}[{labs[j]!r}, {labs[i]!r}] = {b!r} "
                            f"(a_ij * a_ji = {a * b:.4g}, must be 1 within rtol {rtol})",
                        )
                    )
                if allowed is not None:
                    a = snap(a, allowed, rtol, f"{name}[{labs[i]!r}, {labs[j]!r}]", scale)
                out[i, j], out[j, i] = a, 1.0 / a
        out.setflags(write=False)
        self._values, self._labels, self._name = out, labs, name
        self._scale: tuple[float, ...] | None = allowed

    @classmethod
    def from_judgements(
        cls,
        labels: Iterable[str],
        judgements: Mapping[tuple[str, str], Judgement],
        *,
        scale: Scale = "saaty",
        rtol: float = 0.05,
        name: str = "matrix",
    ) -> PairwiseMatrix:
        """Build from the judgements above the diagonal: ``{(row, col): value}``.

        A key ``(b, a)`` for ``a`` listed before ``b`` is read as ``1/value`` for ``(a, b)``; if
        both orientations are given they must be reciprocal. Every pair must be judged.
        """
        labs = [str(x) for x in labels]
        if len(set(labs)) != len(labs) or not labs:
            raise MatrixShapeError(
                invalid(f"{name}.labels", labs, "must be distinct and non-empty")
            )
        index = {lab: k for k, lab in enumerate(labs)}
        n = len(labs)
        array = np.full((n, n), np.nan)
        np.fill_diagonal(array, 1.0)
        for key, raw in judgements.items():
            if not isinstance(key, tuple) or len(key) != 2:
                raise MatrixShapeError(
                    invalid(f"{name} key", key, "must be a (row, col) pair of labels")
                )
            row, col = str(key[0]), str(key[1])
            for lab in (row, col):
                if lab not in index:
                    raise MatrixShapeError(
                        invalid(f"{name}[{row!r}, {col!r}]", lab, f"must be one of {labs}")
                    )
            value = parse_judgement(raw, f"{name}[{row!r}, {col!r}]")
            i, j = index[row], index[col]
            if i == j:
                if not math.isclose(value, 1.0, rel_tol=rtol):
                    raise NonReciprocalError(
                        invalid(f"{name}[{row!r}, {col!r}]", raw, "diagonal must be 1")
                    )
                continue
            if not math.isnan(array[i, j]) and not math.isclose(array[i, j], value, rel_tol=rtol):
                raise NonReciprocalError(
                    invalid(
                        f"{name}[{row!r}, {col!r}]",
                        raw,
                        f"contradicts the judgement {name}[{col!r}, {row!r}] = {format_judgement(1 / array[i, j])}",
                    )
                )
            array[i, j], array[j, i] = value, 1.0 / value
        missing = [
            (labs[i], labs[j]) for i in range(n) for j in range(i + 1, n) if math.isnan(array[i, j])
        ]
        if missing:
            shown = ", ".join(f"({a!r}, {b!r})" for a, b in missing[:5]) + (
                " …" if len(missing) > 5 else ""
            )
            raise MissingJudgementError(
                f"missing judgement for {name}: {len(missing)} of {n * (n - 1) // 2} pairs not given: {shown}"
            )
        return cls(array, labs, scale=scale, rtol=rtol, name=name)

    @classmethod
    def identity(cls, labels: Iterable[str], *, name: str = "matrix") -> PairwiseMatrix:
        """All elements equally important (used for a node with a single child)."""
        labs = list(labels)
        return cls(np.ones((len(labs), len(labs))), labs, name=name)

    @property
    def values(self) -> np.ndarray:
        """The matrix (read-only)."""
        return self._values

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    @property
    def name(self) -> str:
        return self._name

    @property
    def scale(self) -> tuple[float, ...] | None:
        """Allowed values, or ``None`` for any positive value."""
        return self._scale

    @property
    def n(self) -> int:
        return len(self._labels)

    def judgements(self) -> dict[tuple[str, str], float]:
        """The judgements above the diagonal, ``{(row, col): value}``."""
        n, labs = self.n, self._labels
        return {
            (labs[i], labs[j]): float(self._values[i, j]) for i in range(n) for j in range(i + 1, n)
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._values, index=list(self._labels), columns=list(self._labels))

    def reorder(self, labels: Sequence[str]) -> PairwiseMatrix:
        """The same judgements with rows and columns in another order (same label set)."""
        if sorted(labels) != sorted(self._labels):
            raise MatrixShapeError(
                invalid(
                    f"{self._name}.labels",
                    list(self._labels),
                    f"must be the elements {list(labels)}",
                )
            )
        idx = [self._labels.index(lab) for lab in labels]
        return self._copy(self._values[np.ix_(idx, idx)], tuple(labels), self._name)

    def renamed(self, name: str) -> PairwiseMatrix:
        return self._copy(self._values, self._labels, name)

    def _copy(self, values: np.ndarray, labels: tuple[str, ...], name: str) -> PairwiseMatrix:
        new = object.__new__(PairwiseMatrix)
        arr = np.array(values, dtype=float)
        arr.setflags(write=False)
        new._values, new._labels, new._name, new._scale = arr, labels, name, self._scale
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PairwiseMatrix):
            return NotImplemented
        return self._labels == other._labels and bool(np.array_equal(self._values, other._values))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PairwiseMatrix(name={self._name!r}, labels={list(self._labels)!r})"

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(float_format=lambda v: format_judgement(v))


def as_matrix(
    matrix: PairwiseMatrix | pd.DataFrame | np.ndarray | Sequence[Sequence[Any]],
) -> PairwiseMatrix:
    """A :class:`PairwiseMatrix` as is; anything else validated on Saaty's scale."""
    return matrix if isinstance(matrix, PairwiseMatrix) else PairwiseMatrix(matrix)


# --- several experts ----------------------------------------------------------------------------


def aggregate_judgements(
    matrices: Sequence[PairwiseMatrix],
    weights: Sequence[float] | None = None,
    *,
    name: str | None = None,
) -> PairwiseMatrix:
    """Element-wise (weighted) geometric mean of several experts' matrices (AIJ).

    The geometric mean keeps reciprocity — (Π a_ij^v)^(1/Σv) · (Π a_ji^v)^(1/Σv) = 1 — which the
    arithmetic mean does not (Aczél & Saaty 1983; Forman & Peniwati 1998). The result is usually
    off the 1–9 scale, so it is built with ``scale=None``. Matrices over the same labels in a
    different order are aligned to the first.
    """
    if not matrices:
        raise MatrixShapeError(invalid("matrices", [], "must contain at least one matrix"))
    labels = matrices[0].labels
    aligned = [m.reorder(labels) if m.labels != labels else m for m in matrices]
    if weights is None:
        v = np.ones(len(aligned))
    else:
        v = np.array([float(x) for x in weights])
        if len(v) != len(aligned):
            raise MatrixShapeError(
                invalid(
                    "weights", list(weights), f"must have one weight per matrix ({len(aligned)})"
                )
            )
        if not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() <= 0:
            raise NonPositiveJudgementError(
                invalid("weights", list(weights), "must be non-negative, finite and not all zero")
            )
    logs = np.stack([np.log(np.asarray(m.values)) for m in aligned])
    mean = np.exp(np.tensordot(v / v.sum(), logs, axes=1))
    # The constructor rebuilds the lower triangle as exact reciprocals of the upper one.
    return PairwiseMatrix(mean, labels, scale=None, rtol=1e-9, name=name or matrices[0].name)
