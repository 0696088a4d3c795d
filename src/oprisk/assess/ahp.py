"""Pairwise comparison matrices, priority weights and Saaty's consistency ratio.

A :class:`PairwiseMatrix` holds one expert's (or an aggregated) judgements on a set of labelled
elements: ``a[i, j]`` says how many times more important element ``i`` is than element ``j``.
:func:`weigh` turns it into priority weights (principal right eigenvector by default, row
geometric means as an option) with λmax, CI = (λmax − n)/(n − 1), RI and CR = CI/RI, and raises
:class:`~oprisk.errors.InconsistentJudgementError` when CR is above the limit (0.1 by default).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from oprisk.assess.errors import (
    AssessmentError,
    MatrixShapeError,
    MissingJudgementError,
    NonPositiveJudgementError,
    NonReciprocalError,
    OffScaleJudgementError,
)
from oprisk.errors import InconsistentJudgementError, invalid

Method = Literal["eigenvector", "geometric_mean"]
Scale: TypeAlias = Literal["saaty"] | Sequence[float] | None
Judgement: TypeAlias = float | int | str

#: Saaty's fundamental scale: 1–9 and their reciprocals.
SAATY_SCALE: tuple[float, ...] = tuple(
    sorted({float(k) for k in range(1, 10)} | {1 / k for k in range(2, 10)})
)

#: Saaty's random consistency index RI by matrix order n (mean CI of random reciprocal matrices on
#: the 1–9 scale). n ≤ 10 as in Saaty (1990), "How to make a decision: the analytic hierarchy
#: process", EJOR 48:9–26; n = 11–15 as in Saaty (1980), *The Analytic Hierarchy Process*,
#: McGraw-Hill. The dip at n = 12 (1.48 < 1.51) comes from the small simulation samples of the
#: time and is kept for fidelity to the source; pass ``random_index=`` to use another table.
RANDOM_INDEX: Mapping[int, float] = MappingProxyType(
    {
        1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
        9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
    }
)  # fmt: skip


def parse_judgement(value: Any, name: str = "judgement") -> float:
    """A judgement as a float: a number, or a string such as ``"3"``, ``"1/3"`` or ``"0.5"``."""
    if isinstance(value, bool):
        raise NonPositiveJudgementError(
            invalid(name, value, "must be a positive number such as 3 or '1/3'")
        )
    if isinstance(value, str):
        try:
            number = float(Fraction(value.strip().replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            raise NonPositiveJudgementError(
                invalid(name, value, "must be a positive number such as 3 or '1/3'")
            ) from None
    else:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise NonPositiveJudgementError(
                invalid(name, value, "must be a positive number such as 3 or '1/3'")
            ) from None
    if not math.isfinite(number) or number <= 0:
        raise NonPositiveJudgementError(invalid(name, value, "must be positive and finite"))
    return number


def format_judgement(value: float) -> str:
    """``3.0`` → ``"3"``, ``0.333…`` → ``"1/3"``; other values as ``repr`` of the float."""
    for k in range(1, 10):
        if math.isclose(value, k, rel_tol=1e-9):
            return str(k)
        if math.isclose(value, 1 / k, rel_tol=1e-9):
            return f"1/{k}"
    return repr(float(value))


def _scale_values(scale: Scale) -> tuple[float, ...] | None:
    if scale is None:
        return None
    if isinstance(scale, str):
        if scale != "saaty":
            raise OffScaleJudgementError(
                invalid("scale", scale, "must be 'saaty', None or a list of values >= 1")
            )
        return SAATY_SCALE
    values = [float(v) for v in scale]
    if not values or any(not math.isfinite(v) or v < 1 for v in values):
        raise OffScaleJudgementError(
            invalid("scale", list(scale), "must be 'saaty', None or a list of values >= 1")
        )
    return tuple(sorted(set(values) | {1.0} | {1 / v for v in values}))


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
        allowed = _scale_values(scale)
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
                    a = _snap(a, allowed, rtol, f"{name}[{labs[i]!r}, {labs[j]!r}]", scale)
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


def _snap(value: float, allowed: tuple[float, ...], rtol: float, name: str, scale: Scale) -> float:
    nearest = min(allowed, key=lambda s: abs(math.log(value / s)))
    if math.isclose(value, nearest, rel_tol=rtol):
        return nearest
    rule = (
        "must be on Saaty's scale 1..9 or a reciprocal 1/2..1/9 (pass scale=None to allow any positive value)"
        if scale == "saaty"
        else f"must be one of {[format_judgement(v) for v in allowed]}"
    )
    raise OffScaleJudgementError(invalid(name, value, rule))


def as_matrix(
    matrix: PairwiseMatrix | pd.DataFrame | np.ndarray | Sequence[Sequence[Any]],
) -> PairwiseMatrix:
    """A :class:`PairwiseMatrix` as is; anything else validated on Saaty's scale."""
    return matrix if isinstance(matrix, PairwiseMatrix) else PairwiseMatrix(matrix)


# --- weights and consistency ------------------------------------------------------------------


@dataclass(frozen=True)
class InconsistentPair:
    """The judgement furthest from what the weights imply.

    ``ratio`` is Saaty's ε_ij = a_ij · w_j / w_i (1 for a consistent judgement); the pair chosen
    maximises |ln ε_ij|, i.e. ε + 1/ε − 2, its share of λmax − n = (1/n) Σ_{i<j} (ε_ij + 1/ε_ij − 2).
    """

    row: str
    col: str
    judgement: float
    implied: float  # w_row / w_col
    ratio: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "col": self.col,
            "judgement": self.judgement,
            "implied": self.implied,
            "ratio": self.ratio,
        }


@dataclass(frozen=True)
class PriorityResult:
    """Priority weights of one comparison matrix with every consistency figure."""

    name: str
    labels: tuple[str, ...]
    weights: tuple[float, ...]
    method: Method
    lambda_max: float
    consistency_index: float
    random_index: float
    consistency_ratio: float
    cr_limit: float | None
    most_inconsistent: InconsistentPair | None
    matrix: PairwiseMatrix = field(repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def is_consistent(self) -> bool:
        """CR at most the limit (0.1 if no limit was set)."""
        limit = 0.1 if self.cr_limit is None else self.cr_limit
        return self.consistency_ratio <= limit

    @property
    def series(self) -> pd.Series:
        return pd.Series(self.weights, index=list(self.labels), name="weight")

    def __getitem__(self, label: str) -> float:
        return self.weights[self.labels.index(label)]

    def summary(self) -> pd.DataFrame:
        """Weights and ranks per element; the consistency figures are in ``.attrs``."""
        frame = pd.DataFrame({"weight": self.weights}, index=pd.Index(self.labels, name="element"))
        frame["rank"] = frame["weight"].rank(ascending=False, method="min").astype(int)
        frame.attrs.update(
            {
                k: v
                for k, v in self.to_dict().items()
                if k
                in (
                    "lambda_max",
                    "consistency_index",
                    "random_index",
                    "consistency_ratio",
                    "method",
                )
            }
        )
        return frame

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "method": self.method,
            "weights": dict(zip(self.labels, self.weights, strict=True)),
            "lambda_max": self.lambda_max,
            "consistency_index": self.consistency_index,
            "random_index": self.random_index,
            "consistency_ratio": self.consistency_ratio,
            "cr_limit": self.cr_limit,
            "consistent": self.is_consistent,
            "most_inconsistent": None
            if self.most_inconsistent is None
            else self.most_inconsistent.to_dict(),
            "judgements": [[r, c, v] for (r, c), v in self.matrix.judgements().items()],
        }

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{self.name}</b> ({self.method}): λmax = {self.lambda_max:.4f}, "
            f"CI = {self.consistency_index:.4f}, RI = {self.random_index:.2f}, "
            f"CR = {self.consistency_ratio:.4f}</p>"
        )
        return head + self.summary().to_html(float_format=lambda v: f"{v:.4f}")


def random_index_for(n: int, table: Mapping[int, float] | None = None) -> float:
    """RI for a matrix of order ``n`` from ``table`` (default :data:`RANDOM_INDEX`)."""
    table = RANDOM_INDEX if table is None else table
    if n <= 2:
        return 0.0
    if n not in table:
        raise MatrixShapeError(
            invalid(
                "n",
                n,
                f"has no random index in the table (orders {min(table)}–{max(table)}); pass random_index=",
            )
        )
    return float(table[n])


def _principal_eigen(a: np.ndarray) -> tuple[float, np.ndarray]:
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    # Two power steps polish the Perron vector to machine precision (it is their fixed point).
    for _ in range(2):
        w = a @ w
        w = w / w.sum()
    return float(values[k].real), w


def weigh(
    matrix: PairwiseMatrix | pd.DataFrame | np.ndarray,
    *,
    method: Method = "eigenvector",
    cr_limit: float | None = 0.1,
    random_index: Mapping[int, float] | None = None,
) -> PriorityResult:
    """Priority weights, λmax, CI, RI and CR of a comparison matrix.

    Parameters
    ----------
    matrix
        A :class:`PairwiseMatrix` (arrays and DataFrames are validated on Saaty's scale).
    method
        ``"eigenvector"``: the normalised principal right eigenvector (Saaty); ``"geometric_mean"``:
        normalised row geometric means (Crawford & Williams 1985). Both return the exact weights
        of a consistent matrix. λmax is the principal eigenvalue of the matrix in both cases.
    cr_limit
        Raise :class:`~oprisk.errors.InconsistentJudgementError` when CR exceeds it (CR equal to
        the limit passes); ``None`` never raises.
    random_index
        RI table by order n; default :data:`RANDOM_INDEX`. For n ≤ 2, CR = 0.

    Examples
    --------
    >>> r = weigh([[1, 3], [1 / 3, 1]])
    >>> r.weights, r.consistency_ratio
    ((0.75, 0.25), 0.0)
    """
    m = as_matrix(matrix)
    if method not in ("eigenvector", "geometric_mean"):
        raise AssessmentError(
            invalid("method", method, "must be 'eigenvector' or 'geometric_mean'")
        )
    if cr_limit is not None and not (math.isfinite(cr_limit) and cr_limit >= 0):
        raise AssessmentError(
            invalid("cr_limit", cr_limit, "must be a non-negative number or None")
        )
    a, n = np.asarray(m.values), m.n
    lam, w = _principal_eigen(a)
    if method == "geometric_mean":
        g = np.exp(np.log(a).mean(axis=1))
        w = g / g.sum()
    # λmax ≥ n for any positive reciprocal matrix; a smaller or barely larger value is round-off.
    if lam - n < 1e-10 * n:
        lam = float(n)
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ri = random_index_for(n, random_index)
    cr = ci / ri if n > 2 and ri > 0 else 0.0
    pair = _most_inconsistent(m, w)
    result = PriorityResult(
        name=m.name,
        labels=m.labels,
        weights=tuple(float(x) for x in w),
        method=method,
        lambda_max=lam,
        consistency_index=ci,
        random_index=ri,
        consistency_ratio=cr,
        cr_limit=cr_limit,
        most_inconsistent=pair,
        matrix=m,
    )
    if cr_limit is not None and cr > cr_limit:
        raise InconsistentJudgementError(
            _inconsistency_message(f"consistency ratio of {m.name!r}", cr, cr_limit, pair)
        )
    return result


def _inconsistency_message(
    what: str, cr: float, limit: float, pair: InconsistentPair | None
) -> str:
    rule = f"must be at most {limit}"
    if pair is not None:
        rule += (
            f"; the most inconsistent judgement is {pair.row!r} vs {pair.col!r} = "
            f"{format_judgement(pair.judgement)} where the other judgements imply about {pair.implied:.3g}"
        )
    return invalid(what, round(cr, 4), rule)


def _most_inconsistent(m: PairwiseMatrix, w: np.ndarray) -> InconsistentPair | None:
    n = m.n
    if n < 3:
        return None
    a = np.asarray(m.values)
    eps = a * w[None, :] / w[:, None]
    dev = np.abs(np.log(eps))
    iu = np.triu_indices(n, 1)
    k = int(np.argmax(dev[iu]))
    i, j = int(iu[0][k]), int(iu[1][k])
    if dev[i, j] < 1e-9:
        return None
    return InconsistentPair(
        m.labels[i], m.labels[j], float(a[i, j]), float(w[i] / w[j]), float(eps[i, j])
    )


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
