"""Priority weights of a pairwise comparison matrix and Saaty's consistency ratio.

:func:`weigh` turns a :class:`~oprisk.assess.matrix.PairwiseMatrix` into priority weights
(principal right eigenvector by default, row geometric means as an option) with λmax,
CI = (λmax − n)/(n − 1), RI and CR = CI/RI, and raises
:class:`~oprisk.errors.InconsistentJudgementError` when CR is above the limit (0.1 by default).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from oprisk.assess.errors import AssessmentError, MatrixShapeError
from oprisk.assess.matrix import PairwiseMatrix, as_matrix
from oprisk.assess.scale import format_judgement
from oprisk.errors import InconsistentJudgementError, invalid

Method = Literal["eigenvector", "geometric_mean"]

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
            inconsistency_message(f"consistency ratio of {m.name!r}", cr, cr_limit, pair)
        )
    return result


def inconsistency_message(what: str, cr: float, limit: float, pair: InconsistentPair | None) -> str:
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
