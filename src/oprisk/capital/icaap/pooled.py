"""One severity fitted to losses recorded above different thresholds (internal and external).

Each loss i is known only because it exceeded its own threshold h_i (the bank's collection
threshold, or an external source's reporting threshold scaled to the bank's size), so the
likelihood is the product of the conditional densities (reference §7.5; Baud, Frachot & Roncalli
2002, "Internal data, external data and consortium data for operational risk measurement: how
to pool data properly?", Crédit Lyonnais working paper)::

    ℓ(θ) = Σ_i [ln f(x_i; θ) − ln(1 − F(h_i; θ))]

It is maximised with the LDA module's optimiser (quasi-Newton from the moment start and a
perturbed start, then a Newton polish). The result is a :class:`SeverityFit` whose ``threshold``
is the bank's collection threshold, so the LDA aggregates it as the bank's recorded losses.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from scipy import special
from threadpoolctl import threadpool_limits

from oprisk.capital.lda import SeverityFit
from oprisk.capital.lda.families import family_spec
from oprisk.capital.lda.likelihood import INFEASIBLE, Objective
from oprisk.capital.lda.optimise import minimise
from oprisk.errors import CapitalError, ConvergenceWarning, FitError, InsufficientDataError, invalid


def _lognormal_loglik(mu: float, sigma: float, y: np.ndarray, lh: np.ndarray) -> float:
    """The same for the lognormal from y = ln x and ln h (−inf where h = 0), without scipy's overhead."""
    z = (y - mu) / sigma
    ll = (
        -float(np.sum(y))
        - y.size * (math.log(sigma) + 0.5 * math.log(2 * math.pi))
        - 0.5 * float(z @ z)
    )
    return ll - float(np.sum(special.log_ndtr(-(lh - mu) / sigma)))


def pooled_loglik(family: str, params: Any, losses: Any, thresholds: Any) -> float:
    """Σ ln f(x_i) − ln S(h_i) for natural ``params`` (the objective :func:`fit_pooled` maximises)."""
    spec = family_spec(family)
    shapes, loc, scale = spec.args(np.asarray(params, dtype=float), 0.0)
    x = np.asarray(losses, dtype=float)
    h = np.asarray(thresholds, dtype=float)
    with np.errstate(all="ignore"):
        ll = np.sum(spec.gen.logpdf(x, *shapes, loc=loc, scale=scale))
        ll -= np.sum(spec.gen.logsf(h, *shapes, loc=loc, scale=scale))
    return float(ll)


def fit_pooled(
    losses: Any,
    thresholds: Any,
    family: str = "lognormal",
    *,
    bank_threshold: float,
    min_losses: int = 10,
) -> SeverityFit:
    """Maximum likelihood with a truncation point per loss; ``bank_threshold`` labels the result.

    Losses below their own threshold are refused (they cannot have been recorded). The GPD
    (a model of excesses over one threshold) is not offered.
    """
    if family == "gpd":
        raise CapitalError(invalid("family", family, "needs one threshold; use a truncated family"))
    spec = family_spec(family)
    x = np.asarray(losses, dtype=float).ravel()
    h = np.asarray(thresholds, dtype=float).ravel()
    if x.size != h.size:
        raise CapitalError(invalid("thresholds", h.size, f"need one per loss ({x.size})"))
    bad = np.flatnonzero(~np.isfinite(x) | (x <= 0) | ~np.isfinite(h) | (h < 0) | (x < h))
    if bad.size:
        i = int(bad[0])
        raise CapitalError(
            invalid(f"losses[{i}]", float(x[i]), f"must be positive and ≥ its threshold {h[i]:g}")
        )
    if x.size < min_losses or np.ptp(x) == 0:
        raise InsufficientDataError(
            invalid("losses", x.size, f"need at least {min_losses} distinct losses")
        )

    y = np.log(x)
    with np.errstate(divide="ignore"):
        lh = np.log(h)

    def fun(phi: np.ndarray) -> float:
        theta = spec.to_natural(phi)
        if family == "lognormal":
            ll = _lognormal_loglik(float(theta[0]), float(theta[1]), y, lh)
        else:
            ll = pooled_loglik(family, theta, x, h)
        return -ll if math.isfinite(ll) else INFEASIBLE

    theta0 = spec.start(x, float(h.min()))
    starts = [spec.to_free(theta0)] + [spec.to_free(spec.perturbed(theta0, f)) for f in (0.5, 2.0)]
    obj = Objective(fun)
    with threadpool_limits(1):
        opt = minimise(obj, starts, spec.free_bounds())
    if opt is None:
        raise FitError(
            f"pooled {family} fit on n={x.size}: the likelihood is not finite at any start"
        )
    theta = spec.to_natural(opt.phi)
    jac = np.diag(np.where(spec.positive, theta, 1.0))
    cov = np.full((theta.size, theta.size), np.nan)
    try:
        cov_free = np.linalg.inv(opt.hessian)
        if np.all(np.isfinite(cov_free)) and np.all(np.diag(cov_free) > 0):
            cov = jac @ cov_free @ jac
    except np.linalg.LinAlgError:
        pass
    se = np.sqrt(np.diag(cov))
    notes = () if opt.converged and np.all(np.isfinite(se)) else ("not converged or flat",)
    if notes:
        warnings.warn(
            f"pooled {family} fit on n={x.size}: {notes[0]}", ConvergenceWarning, stacklevel=2
        )
    loglik, k = -float(opt.value), theta.size
    return SeverityFit(
        family=family,
        params={p: float(v) for p, v in zip(spec.params, theta, strict=True)},
        se={p: float(v) for p, v in zip(spec.params, se, strict=True)},
        covariance=cov,
        loglik=loglik,
        aic=2 * k - 2 * loglik,
        bic=k * math.log(x.size) - 2 * loglik,
        n=int(x.size),
        threshold=float(bank_threshold),
        converged=opt.converged,
        n_evaluations=opt.n_evaluations,
        degenerate=bool(notes),
        notes=notes,
    )
