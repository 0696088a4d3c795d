"""Severity fits by maximum likelihood with the collection threshold as left truncation.

The likelihood is that of the recorded losses, X ≥ H (:mod:`.likelihood`); the optimiser
(:mod:`.optimise`) ends at a verified maximum. A fit that is at a maximum but degenerate — a shape
at a bound, a flat likelihood, standard errors that are not finite — is returned with
``degenerate=True``, its reasons in ``notes`` and a :class:`ConvergenceWarning`; comparisons rank
it last.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from oprisk.errors import ConvergenceWarning, FitError

from ._checks import MIN_LOSSES, above_threshold, loss_array, threshold_value
from .families import FAMILIES, Family, FamilySpec, family_spec, frozen, loggamma_severity
from .likelihood import objective
from .optimise import Optimum, minimise
from .truncated import TruncatedDistribution

__all__ = [
    "FAMILIES",
    "Family",
    "SeverityFit",
    "TruncatedDistribution",
    "family_spec",
    "fit_severity",
    "frozen",
    "loggamma_severity",
]

#: A dimensionless shape outside [1e-6, 1e6], or a scale that far outside the losses' range, is
#: "at a bound": the likelihood keeps rising towards a limit the family does not contain.
SHAPE_BOUNDS = (1e-6, 1e6)
#: Smallest eigenvalue of the information (free parameters), per loss, of an identified fit.
FLAT_INFORMATION = 1e-6


@dataclass(frozen=True, eq=False)
class SeverityFit:
    """A severity distribution fitted by left-truncated maximum likelihood.

    Attributes
    ----------
    family, params, se
        Family name; natural parameters and their standard errors (from the inverse observed
        information, i.e. the numerical Hessian of the truncated log-likelihood).
    covariance
        Covariance matrix of the parameters, in the order of ``params``.
    loglik, aic, bic, n
        Maximised truncated log-likelihood, information criteria and the number of losses used.
    threshold
        The collection (truncation) threshold H the losses were conditioned on.
    n_excluded
        Losses below the threshold that were not used.
    upper
        Right-truncation point (used for a spliced body), ``inf`` otherwise.
    converged
        The optimiser ended at a stationary point with a positive definite information matrix.
    degenerate, notes
        True when the fit should not be used as it is (a shape at a bound, a flat likelihood,
        non-finite standard errors, no convergence); ``notes`` says why.
    diagnostics
        ``newton_decrement`` (log-likelihood still to gain, ×2), ``gradient_norm`` (free
        parameters), ``min_information_eigenvalue``, ``n_starts``.
    """

    family: str
    params: dict[str, float]
    se: dict[str, float]
    covariance: np.ndarray = field(repr=False)
    loglik: float
    aic: float
    bic: float
    n: int
    threshold: float
    n_excluded: int = 0
    upper: float = math.inf
    converged: bool = True
    n_evaluations: int = 0
    degenerate: bool = False
    notes: tuple[str, ...] = ()
    diagnostics: dict[str, float] = field(default_factory=dict)

    @property
    def values(self) -> np.ndarray:
        return np.array(list(self.params.values()))

    def dist(self) -> Any:
        """The fitted (untruncated, ground-up) distribution as a scipy frozen distribution."""
        return frozen(self.family, self.values, self.threshold)

    def truncated(self) -> TruncatedDistribution:
        """The fitted distribution conditional on X ≥ threshold: the model of *recorded* losses."""
        return TruncatedDistribution(self.dist(), self.threshold, self.upper)

    @property
    def prob_above_threshold(self) -> float:
        """P(X > H) under the fitted ground-up distribution (1 for the GPD of excesses)."""
        if not family_spec(self.family).truncated:
            return 1.0
        return float(self.dist().sf(self.threshold))

    # delegate the ground-up distribution
    def cdf(self, x: Any) -> Any:
        return self.dist().cdf(x)

    def sf(self, x: Any) -> Any:
        return self.dist().sf(x)

    def pdf(self, x: Any) -> Any:
        return self.dist().pdf(x)

    def ppf(self, q: Any) -> Any:
        return self.dist().ppf(q)

    def isf(self, q: Any) -> Any:
        return self.dist().isf(q)

    def rvs(self, size: Any = None, random_state: Any = None) -> Any:
        return self.dist().rvs(size=size, random_state=np.random.default_rng(random_state))

    def mean(self) -> float:
        m = float(self.dist().mean())
        return m if math.isfinite(m) else math.inf

    def summary(self) -> pd.DataFrame:
        """One row per parameter: estimate, standard error, 95 % Wald interval."""
        rows = []
        for name, value in self.params.items():
            se = self.se[name]
            rows.append(
                {
                    "family": self.family,
                    "parameter": name,
                    "estimate": value,
                    "se": se,
                    "ci_lower": value - 1.959964 * se,
                    "ci_upper": value + 1.959964 * se,
                }
            )
        df = pd.DataFrame(rows)
        df.attrs.update(self.to_dict())
        return df

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "params": dict(self.params),
            "se": dict(self.se),
            "covariance": self.covariance.tolist(),
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "n": self.n,
            "threshold": self.threshold,
            "n_excluded": self.n_excluded,
            "upper": self.upper,
            "converged": self.converged,
            "degenerate": self.degenerate,
            "notes": list(self.notes),
            "diagnostics": dict(self.diagnostics),
            "prob_above_threshold": self.prob_above_threshold,
        }


def _smallest_eigenvalue(hessian: np.ndarray) -> float:
    return float(np.linalg.eigvalsh(hessian)[0]) if np.all(np.isfinite(hessian)) else math.nan


def _assess(
    spec: FamilySpec, theta: np.ndarray, opt: Optimum, se: np.ndarray, x: np.ndarray
) -> list[str]:
    """Reasons a fit at the returned point is not a usable, identified maximum (empty if none)."""
    notes = []
    if not opt.converged:
        notes.append(
            f"the optimiser did not reach a verified maximum (Newton decrement {opt.decrement:.2g})"
        )
    smallest = _smallest_eigenvalue(opt.hessian)
    if not smallest > 0:  # NaN included
        notes.append("the information matrix is not positive definite")
    elif smallest < FLAT_INFORMATION * x.size:
        notes.append(
            f"the likelihood is flat in one direction (information eigenvalue {smallest:.2g})"
        )
    if not np.all(np.isfinite(se)):
        notes.append("standard errors are not finite")
    lo, hi = SHAPE_BOUNDS
    for name, value, positive, is_scale in zip(
        spec.params, theta, spec.positive, spec.scale, strict=True
    ):
        if not positive:
            continue
        ref_lo, ref_hi = (float(x.min()), float(x.max())) if is_scale else (1.0, 1.0)
        if not (lo * ref_lo <= value <= hi * ref_hi):
            notes.append(f"{name} = {value:.3g} is at a bound of the family")
    if spec.name == "gpd" and theta[0] < -0.5:
        notes.append(f"xi = {theta[0]:.3g} < -0.5: the MLE is not regular (Smith 1985)")
    return notes


def fit_severity(
    losses: Any,
    family: Family = "lognormal",
    *,
    threshold: float = 0.0,
    upper: float = math.inf,
    min_losses: int = MIN_LOSSES,
    start: Sequence[float] | None = None,
) -> SeverityFit:
    """Fit one severity family by maximum likelihood, left-truncated at the collection threshold.

    Parameters
    ----------
    losses
        Loss amounts (any currency, float). Values below ``threshold`` are excluded (and counted
        in ``n_excluded``) so a modelling threshold above the collection threshold can be used.
    family
        ``"lognormal"`` (μ, σ of ln X), ``"weibull"``, ``"gamma"``, ``"loglogistic"`` (shape,
        scale), ``"burr"`` (Burr XII c, d, scale), ``"pareto"`` (Lomax / Pareto II α, scale),
        ``"gpd"`` (ξ, β of the excesses over the threshold), ``"loggamma"`` (ln X ~ Gamma(shape,
        rate), losses ≥ 1).
    threshold
        Collection threshold H: the likelihood is ``Σ ln f(x_i) − n ln(1 − F(H))``.
    upper
        Optional right truncation (the body of a spliced model): ``− n ln(F(u) − F(H))``.
    min_losses
        Smallest accepted sample (default 10).
    start
        Start values in natural parameters (default: moment / PWM based, then a second start).
        With ``start`` only that start is used (unless it fails), as a bootstrap refit does.

    Warns
    -----
    ConvergenceWarning
        The fit is degenerate (``degenerate=True``; the reasons are in ``notes``).

    Raises
    ------
    InsufficientDataError
        Too few losses at or above the threshold, or all equal.
    FitError
        The likelihood is not finite at any start value; the message names the family,
        threshold and n.
    """
    spec = family_spec(family)
    h = threshold_value(threshold)
    x_all = loss_array(losses)
    x = above_threshold(x_all, h, min_losses=min_losses)
    if upper < math.inf:
        x = x[x < upper]
        above_threshold(x, h, min_losses=min_losses)
    n_excluded = int(x_all.size - x.size)
    where = f"{family} fit with threshold {h:g} on n={x.size} losses"
    if family == "loggamma" and x.min() <= 1.0:
        raise FitError(f"{where}: the log-gamma family needs every loss > 1")

    theta0 = np.asarray(start, dtype=float) if start is not None else spec.start(x, h)
    starts = [spec.to_free(theta0)]
    fallback = [spec.to_free(spec.perturbed(theta0, f)) for f in (0.5, 2.0)]
    obj = objective(spec, x, h, upper)
    bounds = spec.free_bounds()
    with threadpool_limits(1):  # BLAS threads slow small fits 28–140× on a busy machine (§8)
        opt = minimise(obj, starts + fallback if start is None else starts, bounds)
        if opt is None and start is not None:
            opt = minimise(obj, fallback, bounds)
    if opt is None:
        raise FitError(f"{where}: the likelihood is not finite at any start value")

    theta = spec.to_natural(opt.phi)
    jac = np.diag(np.where(spec.positive, theta, 1.0))  # delta method: dθ/dφ
    cov = np.full((theta.size, theta.size), np.nan)
    if np.all(np.isfinite(opt.hessian)):
        try:
            cov_free = np.linalg.inv(opt.hessian)
            if np.all(np.isfinite(cov_free)) and np.all(np.diag(cov_free) > 0):
                cov = jac @ cov_free @ jac
        except np.linalg.LinAlgError:
            pass
    se = np.sqrt(np.diag(cov))
    notes = _assess(spec, theta, opt, se, x)
    if notes:
        warnings.warn(
            f"{where} is degenerate: " + "; ".join(notes),
            ConvergenceWarning,
            stacklevel=2,
        )
    loglik = -float(opt.value)
    k = theta.size
    return SeverityFit(
        family=family,
        params={p: float(v) for p, v in zip(spec.params, theta, strict=True)},
        se={p: float(v) for p, v in zip(spec.params, se, strict=True)},
        covariance=cov,
        loglik=loglik,
        aic=2 * k - 2 * loglik,
        bic=k * math.log(x.size) - 2 * loglik,
        n=int(x.size),
        threshold=h,
        n_excluded=n_excluded,
        upper=float(upper),
        converged=opt.converged,
        n_evaluations=opt.n_evaluations,
        degenerate=bool(notes),
        notes=tuple(notes),
        diagnostics={
            "newton_decrement": opt.decrement,
            "gradient_norm": float(np.linalg.norm(opt.gradient)),
            "min_information_eigenvalue": _smallest_eigenvalue(opt.hessian),
            "n_starts": float(opt.n_starts),
        },
    )
