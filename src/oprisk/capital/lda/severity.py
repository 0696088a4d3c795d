"""Severity distributions fitted by maximum likelihood with the collection threshold as left truncation.

Losses are recorded only when X ≥ H, so the likelihood is that of the conditional distribution
[basel-oprisk.md §7.5], [RTS 2018/959 Art 31 — estimation must account for data incompleteness]::

    ℓ(θ) = Σ ln f(x_i; θ) − n · ln(1 − F(H; θ))

Ignoring the truncation biases every family towards the observed (upper) part of the data.
All families have ``loc = 0`` except ``"gpd"``, which is the peaks-over-threshold model of the
excesses X − H (its ``loc`` is the threshold, so it needs no truncation term).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special, stats
from threadpoolctl import threadpool_limits

from oprisk.errors import CapitalError, ConvergenceWarning, FitError, invalid

from ._checks import MIN_LOSSES, above_threshold, loss_array, threshold_value

Family = Literal[
    "lognormal", "weibull", "gamma", "loglogistic", "burr", "pareto", "gpd", "loggamma"
]

FAMILIES: tuple[str, ...] = (
    "lognormal",
    "weibull",
    "gamma",
    "loglogistic",
    "burr",
    "pareto",
    "gpd",
    "loggamma",
)


# --- log-gamma: ln X ~ Gamma(shape, rate), X ≥ 1 ------------------------------------------------


class _LogGammaGen(stats.rv_continuous):
    """Log-gamma severity: ln X ~ Gamma(a, rate b), support x ≥ 1 (Pareto-like tail of index b)."""

    def _argcheck(self, a: Any, b: Any) -> Any:
        return (a > 0) & (b > 0)

    def _logpdf(self, x: Any, a: Any, b: Any) -> Any:
        lx = np.log(x)
        return a * np.log(b) + special.xlogy(a - 1, lx) - (b + 1) * lx - special.gammaln(a)

    def _pdf(self, x: Any, a: Any, b: Any) -> Any:
        return np.exp(self._logpdf(x, a, b))

    def _cdf(self, x: Any, a: Any, b: Any) -> Any:
        return special.gammainc(a, b * np.log(x))

    def _sf(self, x: Any, a: Any, b: Any) -> Any:
        return special.gammaincc(a, b * np.log(x))

    def _ppf(self, q: Any, a: Any, b: Any) -> Any:
        return np.exp(special.gammaincinv(a, q) / b)

    def _isf(self, q: Any, a: Any, b: Any) -> Any:
        return np.exp(special.gammainccinv(a, q) / b)

    def _rvs(self, a: Any, b: Any, size: Any = None, random_state: Any = None) -> Any:
        return np.exp(random_state.standard_gamma(a, size) / b)


loggamma_severity = _LogGammaGen(a=1.0, name="loggamma_severity", shapes="a, b")


# --- families -------------------------------------------------------------------------------------


def _log_moments(x: np.ndarray) -> tuple[float, float]:
    y = np.log(x)
    return float(y.mean()), float(max(y.std(), 1e-3))


def _pwm_gpd(y: np.ndarray) -> tuple[float, float]:
    """Probability-weighted-moment start for a GPD on excesses y (Hosking & Wallis 1987)."""
    ys = np.sort(y)
    n = ys.size
    p = (np.arange(1, n + 1) - 0.35) / n
    a0 = ys.mean()
    a1 = np.mean(ys * (1 - p))
    denom = a0 - 2 * a1
    if denom <= 0:
        return 0.5, float(max(a0, 1e-12))
    xi = float(np.clip(2 - a0 / denom, -0.4, 0.95))
    beta = float(max(2 * a0 * a1 / denom, 1e-12 * max(a0, 1.0)))
    return xi, beta


@dataclass(frozen=True)
class _Family:
    name: str
    params: tuple[str, ...]
    positive: tuple[bool, ...]
    gen: Any
    # θ, threshold -> (shape args, loc, scale) of the scipy generator
    args: Callable[[np.ndarray, float], tuple[tuple[float, ...], float, float]]
    start: Callable[[np.ndarray, float], np.ndarray]
    truncated: bool = True  # False: the threshold is the location (GPD of excesses)


def _start_lognormal(x: np.ndarray, h: float) -> np.ndarray:
    m, s = _log_moments(x)
    return np.array([m, s])


def _start_weibull(x: np.ndarray, h: float) -> np.ndarray:
    m, s = _log_moments(x)
    k = math.pi / (s * math.sqrt(6))
    return np.array([k, math.exp(m + 0.5772156649 / k)])


def _start_gamma(x: np.ndarray, h: float) -> np.ndarray:
    mean, var = float(x.mean()), float(x.var())
    a = float(np.clip(mean * mean / max(var, 1e-300), 0.05, 50))
    return np.array([a, mean / a])


def _start_loglogistic(x: np.ndarray, h: float) -> np.ndarray:
    _, s = _log_moments(x)
    return np.array([math.pi / (s * math.sqrt(3)), float(np.median(x))])


def _start_burr(x: np.ndarray, h: float) -> np.ndarray:
    c, scale = _start_loglogistic(x, h)
    return np.array([c, 1.0, scale])


def _start_pareto(x: np.ndarray, h: float) -> np.ndarray:
    xi, beta = _pwm_gpd(x - h)
    xi = max(xi, 0.05)
    # Lomax(α, s) truncated at H is a GPD of the excesses with ξ = 1/α and β = (s + H)/α.
    return np.array([1 / xi, max(beta / xi - h, 1e-3 * max(h, float(np.median(x))))])


def _start_gpd(x: np.ndarray, h: float) -> np.ndarray:
    return np.array(_pwm_gpd(x - h))


def _start_loggamma(x: np.ndarray, h: float) -> np.ndarray:
    y = np.log(x)
    m, v = float(y.mean()), float(max(y.var(), 1e-6))
    return np.array([m * m / v, m / v])


_FAMILIES: dict[str, _Family] = {
    "lognormal": _Family(
        "lognormal",
        ("mu", "sigma"),
        (False, True),
        stats.lognorm,
        lambda t, h: ((t[1],), 0.0, math.exp(t[0])),
        _start_lognormal,
    ),
    "weibull": _Family(
        "weibull",
        ("shape", "scale"),
        (True, True),
        stats.weibull_min,
        lambda t, h: ((t[0],), 0.0, t[1]),
        _start_weibull,
    ),
    "gamma": _Family(
        "gamma",
        ("shape", "scale"),
        (True, True),
        stats.gamma,
        lambda t, h: ((t[0],), 0.0, t[1]),
        _start_gamma,
    ),
    "loglogistic": _Family(
        "loglogistic",
        ("shape", "scale"),
        (True, True),
        stats.fisk,
        lambda t, h: ((t[0],), 0.0, t[1]),
        _start_loglogistic,
    ),
    "burr": _Family(
        "burr",
        ("c", "d", "scale"),
        (True, True, True),
        stats.burr12,
        lambda t, h: ((t[0], t[1]), 0.0, t[2]),
        _start_burr,
    ),
    "pareto": _Family(
        "pareto",
        ("alpha", "scale"),
        (True, True),
        stats.lomax,
        lambda t, h: ((t[0],), 0.0, t[1]),
        _start_pareto,
    ),
    "gpd": _Family(
        "gpd",
        ("xi", "beta"),
        (False, True),
        stats.genpareto,
        lambda t, h: ((t[0],), h, t[1]),
        _start_gpd,
        truncated=False,
    ),
    "loggamma": _Family(
        "loggamma",
        ("shape", "rate"),
        (True, True),
        loggamma_severity,
        lambda t, h: ((t[0], t[1]), 0.0, 1.0),
        _start_loggamma,
    ),
}


def family_spec(family: str) -> _Family:
    try:
        return _FAMILIES[family]
    except KeyError:
        raise CapitalError(
            invalid("family", family, "must be one of " + ", ".join(FAMILIES))
        ) from None


def frozen(family: str, params: Any, threshold: float = 0.0) -> Any:
    """The scipy frozen distribution of a family with natural parameters ``params``."""
    spec = family_spec(family)
    shapes, loc, scale = spec.args(np.asarray(params, dtype=float), threshold)
    return spec.gen(*shapes, loc=loc, scale=scale)


# --- truncated distribution ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TruncatedDistribution:
    """The conditional distribution of X given ``lower ≤ X`` (and ``X < upper`` if given).

    Scipy-like: ``cdf``, ``sf``, ``pdf``, ``logpdf``, ``ppf``, ``isf``, ``rvs``, ``mean``. Tail
    probabilities use the base ``sf`` so extreme quantiles keep their precision.
    """

    base: Any
    lower: float
    upper: float = math.inf

    @property
    def _mass(self) -> float:
        return float(
            self.base.sf(self.lower) - (self.base.sf(self.upper) if self.upper < math.inf else 0.0)
        )

    def sf(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        su = self.base.sf(self.upper) if self.upper < math.inf else 0.0
        out = (self.base.sf(np.clip(x, self.lower, self.upper)) - su) / self._mass
        return np.clip(out, 0.0, 1.0)

    def cdf(self, x: Any) -> Any:
        return 1.0 - self.sf(x)

    def pdf(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        inside = (x >= self.lower) & (x < self.upper)
        return np.where(inside, self.base.pdf(x) / self._mass, 0.0)

    def logpdf(self, x: Any) -> Any:
        with np.errstate(divide="ignore"):
            return np.log(self.pdf(x))

    def isf(self, q: Any) -> Any:
        q = np.asarray(q, dtype=float)
        su = self.base.sf(self.upper) if self.upper < math.inf else 0.0
        return self.base.isf(su + q * self._mass)

    def ppf(self, q: Any) -> Any:
        return self.isf(1.0 - np.asarray(q, dtype=float))

    def rvs(self, size: Any = None, random_state: Any = None) -> Any:
        rng = np.random.default_rng(random_state)
        return self.isf(1.0 - rng.random(size))  # 1 − U ∈ (0, 1]

    def mean(self) -> float:
        dist = self.base.dist.name if hasattr(self.base, "dist") else ""
        if dist == "lognorm" and self.upper == math.inf:
            s = float(self.base.kwds.get("s", self.base.args[0] if self.base.args else 1.0))
            mu = math.log(float(self.base.kwds.get("scale", 1.0)))
            if self.lower <= 0:
                return math.exp(mu + s * s / 2)
            a = (math.log(self.lower) - mu) / s
            return math.exp(mu + s * s / 2 + stats.norm.logsf(a - s) - stats.norm.logsf(a))
        # E[X | X ≥ H] = H + ∫_H^∞ P(X > x | X ≥ H) dx ; infinite for tails heavier than 1/x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            val, _ = integrate.quad(lambda t: float(self.sf(t)), self.lower, self.upper, limit=200)
        if not math.isfinite(val) or val > 1e300:
            return math.inf
        return self.lower + val


# --- the fit --------------------------------------------------------------------------------------


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
            "prob_above_threshold": self.prob_above_threshold,
        }


# --- likelihoods ----------------------------------------------------------------------------------


def _lognormal_objective(x: np.ndarray, h: float, upper: float) -> Callable[[np.ndarray], Any]:
    """Negative truncated log-likelihood of the lognormal in φ = (μ, ln σ), with its gradient.

    Uses only Σ ln x and Σ (ln x)², so one evaluation is O(1) whatever n is.
    """
    y = np.log(x)
    n, s1, s2 = y.size, float(y.sum()), float(np.dot(y, y))
    lh = math.log(h) if h > 0 else -math.inf
    lu = math.log(upper) if upper < math.inf else math.inf

    def fun(phi: np.ndarray) -> tuple[float, np.ndarray]:
        mu, ls = float(phi[0]), float(phi[1])
        sig = math.exp(ls)
        ss = s2 - 2 * mu * s1 + n * mu * mu  # Σ (y − μ)²
        ll = -n * ls - 0.5 * ss / (sig * sig) - s1 - 0.5 * n * math.log(2 * math.pi)
        dmu = (s1 - n * mu) / (sig * sig)
        dls = -n + ss / (sig * sig)
        a = (lh - mu) / sig
        b = (lu - mu) / sig
        if upper == math.inf:
            lmass = float(stats.norm.logsf(a)) if h > 0 else 0.0
            if h > 0:
                ha = math.exp(float(stats.norm.logpdf(a)) - lmass)
                dmu -= n * ha / sig
                dls -= n * ha * a
        else:
            mass = float(special.ndtr(b) - special.ndtr(a)) if h > 0 else float(special.ndtr(b))
            mass = max(mass, 1e-300)
            lmass = math.log(mass)
            pa = float(stats.norm.pdf(a)) if h > 0 else 0.0
            pb = float(stats.norm.pdf(b))
            # d ln(Φ(b) − Φ(a)) / dμ = −(φ(b) − φ(a)) / (σ · mass)
            dmu += n * (pb - pa) / (sig * mass)
            dls += n * (pb * b - (pa * a if h > 0 else 0.0)) / mass
        ll -= n * lmass
        return -ll, -np.array([dmu, dls])

    return fun


def _generic_objective(
    spec: _Family, x: np.ndarray, h: float, upper: float
) -> Callable[[np.ndarray], float]:
    n = x.size

    def fun(phi: np.ndarray) -> float:
        theta = _to_natural(spec, phi)
        shapes, loc, scale = spec.args(theta, h)
        with np.errstate(all="ignore"):
            lp = spec.gen.logpdf(x, *shapes, loc=loc, scale=scale)
            ll = float(np.sum(lp))
            if (spec.truncated and h > 0) or upper < math.inf:
                if upper < math.inf:
                    su = spec.gen.sf(upper, *shapes, loc=loc, scale=scale)
                    sh = spec.gen.sf(h, *shapes, loc=loc, scale=scale) if spec.truncated else 1.0
                    mass = sh - su
                    ll -= n * (math.log(mass) if mass > 0 else -math.inf)
                else:
                    ll -= n * float(spec.gen.logsf(h, *shapes, loc=loc, scale=scale))
        if not math.isfinite(ll):
            return 1e300
        return -ll

    return fun


def _to_natural(spec: _Family, phi: np.ndarray) -> np.ndarray:
    return np.where(spec.positive, np.exp(np.minimum(phi, 700)), phi)


def _to_free(spec: _Family, theta: np.ndarray) -> np.ndarray:
    return np.where(spec.positive, np.log(np.maximum(theta, 1e-300)), theta)


def _hessian(fun: Callable[[np.ndarray], float], phi: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of a scalar function (parameters on a free, log scale)."""
    k = phi.size
    step = 1e-4 * np.maximum(np.abs(phi), 1.0)
    hess = np.empty((k, k))
    f0 = fun(phi)
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = step[i]
        hess[i, i] = (fun(phi + ei) - 2 * f0 + fun(phi - ei)) / step[i] ** 2
        for j in range(i):
            ej = np.zeros(k)
            ej[j] = step[j]
            v = (
                fun(phi + ei + ej) - fun(phi + ei - ej) - fun(phi - ei + ej) + fun(phi - ei - ej)
            ) / (4 * step[i] * step[j])
            hess[i, j] = hess[j, i] = v
    return hess


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
        Start values in natural parameters (default: moment / PWM based).

    Raises
    ------
    InsufficientDataError
        Too few losses at or above the threshold, or all equal.
    FitError
        The optimiser did not converge; the message names the family, threshold and n.
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
    phi0 = _to_free(spec, theta0)
    fun: Callable[[np.ndarray], float]
    with threadpool_limits(1):
        if family == "lognormal":
            fg = _lognormal_objective(x, h, upper)
            res = optimize.minimize(fg, phi0, jac=True, method="L-BFGS-B")

            def fun_ln(p: np.ndarray) -> float:
                return float(fg(p)[0])

            fun = fun_ln
            candidates = [res]
        else:
            fun = _generic_objective(spec, x, h, upper)
            candidates = []
            for scale in (1.0, 0.5, 2.0):
                p0 = phi0 if scale == 1.0 else _perturb(spec, theta0, scale)
                if fun(p0) >= 1e300:
                    continue
                r = optimize.minimize(fun, p0, method="L-BFGS-B")
                if not r.success or not math.isfinite(r.fun):
                    r = optimize.minimize(
                        fun,
                        r.x,
                        method="Nelder-Mead",
                        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
                    )
                candidates.append(r)
                if r.success and r.fun < 1e300:
                    break
        good = [r for r in candidates if math.isfinite(r.fun) and r.fun < 1e300]
        if not good:
            raise FitError(f"{where}: the likelihood is not finite at any start value")
        best = min(good, key=lambda r: r.fun)
        if not best.success:
            # one polish from the best point before giving up
            polish = optimize.minimize(fun, best.x, method="Nelder-Mead", options={"maxiter": 4000})
            if polish.success and polish.fun <= best.fun + 1e-9:
                best = polish
            else:
                raise FitError(f"{where}: optimiser did not converge ({best.message})")
        phi = np.asarray(best.x, dtype=float)
        hess = _hessian(fun, phi)

    theta = _to_natural(spec, phi)
    if np.any(np.abs(phi[np.array(spec.positive)]) > 300):
        raise FitError(
            f"{where}: a parameter ran off to the boundary ({dict(zip(spec.params, theta, strict=True))})"
        )
    jac = np.diag(np.where(spec.positive, theta, 1.0))
    try:
        cov_free = np.linalg.inv(hess)
        ok = bool(np.all(np.isfinite(cov_free)) and np.all(np.diag(cov_free) > 0))
    except np.linalg.LinAlgError:
        ok = False
    if ok:
        cov = jac @ cov_free @ jac
        se = np.sqrt(np.diag(cov))
    else:
        cov = np.full((theta.size, theta.size), np.nan)
        se = np.full(theta.size, np.nan)
        warnings.warn(
            f"{where}: the information matrix is not positive definite; standard errors are NaN "
            "(the parameters may be poorly identified by the truncated sample)",
            ConvergenceWarning,
            stacklevel=2,
        )
    loglik = -float(best.fun)
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
        converged=True,
        n_evaluations=int(getattr(best, "nfev", 0)),
    )


def _perturb(spec: _Family, theta: np.ndarray, factor: float) -> np.ndarray:
    t = np.where(spec.positive, theta * factor, theta * factor if spec.name != "gpd" else theta)
    if spec.name == "gpd":
        t = np.array([0.1 if factor < 1 else 0.7, theta[1] * factor])
    return _to_free(spec, t)
