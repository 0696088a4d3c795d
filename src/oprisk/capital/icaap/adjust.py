"""Multiplying a unit's frequency or severity: control factors (BEICF) and stress.

**BEICF.** Business environment and internal control factors enter as a bounded multiplier of a
unit's severity (or frequency): ``factor = lower + (upper − lower)(1 − score/100)`` from the AHP
composite control score (0–100, :func:`oprisk.assess.control_environment_factor`), so the best
environment gives ``lower`` and the worst ``upper`` (default [0.8, 1.2]): the weighting of the
elements must be documented (CRR before 2025, Art 322(2)(b)) and a bounded factor cannot move
capital further than can be validated; the ICAAP run always reports the figure without the
adjustment beside the adjusted one.

**Scaling a severity** by k > 0 multiplies every loss: S_k(x) = S(x/k), F⁻¹_k = k·F⁻¹, E = k·E,
so VaR of the single loss scales by k exactly. Scaling a frequency multiplies λ (and keeps the
negative-binomial size r, so the variance-to-mean structure stays).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from oprisk.assess import control_environment_factor
from oprisk.capital.lda import FrequencyFit, SeverityFit
from oprisk.errors import CapitalError, invalid

DEFAULT_BOUNDS = (0.8, 1.2)


@dataclass(frozen=True, eq=False)
class ScaledSeverity:
    """The severity of k·X."""

    base: Any
    factor: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.factor) and self.factor > 0):
            raise CapitalError(invalid("factor", self.factor, "must be a positive number"))

    def sf(self, x: Any) -> Any:
        return self.base.sf(np.asarray(x, dtype=float) / self.factor)

    def cdf(self, x: Any) -> Any:
        return 1.0 - self.sf(x)

    def isf(self, q: Any) -> Any:
        return self.factor * np.asarray(self.base.isf(q), dtype=float)

    def ppf(self, q: Any) -> Any:
        return self.isf(1.0 - np.asarray(q, dtype=float))

    def mean(self) -> float:
        return self.factor * float(self.base.mean())

    def var(self) -> float:
        v = getattr(self.base, "var", None)
        if not callable(v):  # unknown, not infinite: the LDA then makes no claim about it
            raise TypeError(f"the variance of {type(self.base).__name__} is not known")
        return self.factor**2 * float(v())

    def rvs(self, size: Any = None, random_state: Any = None) -> Any:
        return self.factor * np.asarray(self.base.rvs(size=size, random_state=random_state))


def scale_severity(severity: Any, factor: float) -> Any:
    """``severity`` of losses × ``factor`` (the object itself when the factor is 1).

    A fitted lognormal (μ + ln k) or a family with a scale parameter (scale × k) stays a
    :class:`SeverityFit`, its threshold × k (k·X given X ≥ H is k·X given k·X ≥ k·H), so the LDA
    keeps its fast sampler and draws the same random numbers: the annual losses scale by k exactly.
    """
    k = float(factor)
    if k == 1.0:
        return severity
    if isinstance(severity, SeverityFit) and severity.upper == math.inf:
        params = dict(severity.params)
        if severity.family == "lognormal":
            params["mu"] += math.log(k)
        elif "scale" in params and severity.family != "gpd":
            params["scale"] *= k
        else:
            return ScaledSeverity(severity, k)
        return dataclasses.replace(severity, params=params, threshold=severity.threshold * k)
    return ScaledSeverity(severity, k)


def scale_frequency(frequency: FrequencyFit, factor: float) -> FrequencyFit:
    """The same frequency model with λ × ``factor``."""
    if not (math.isfinite(factor) and factor > 0):
        raise CapitalError(invalid("factor", factor, "must be a positive number"))
    if factor == 1.0:
        return frequency
    return dataclasses.replace(
        frequency,
        mean=frequency.mean * factor,
        observed_mean=frequency.observed_mean * factor,
        mean_se=frequency.mean_se * factor,
    )


def beicf_factor(score: float, bounds: tuple[float, float] = DEFAULT_BOUNDS) -> float:
    """The multiplier from a composite control score in [0, 100], within ``bounds``."""
    return float(control_environment_factor(float(score), lower=bounds[0], upper=bounds[1]))


@dataclass(frozen=True)
class Stress:
    """Multipliers of every unit's frequency and severity (a stress scenario of the whole book)."""

    frequency: float = 1.0
    severity: float = 1.0

    def __post_init__(self) -> None:
        for name in ("frequency", "severity"):
            v = getattr(self, name)
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float)
                or not math.isfinite(v)
                or v <= 0
            ):
                raise CapitalError(invalid(f"stress {name}", v, "must be a positive number"))

    @property
    def label(self) -> str:
        return f"stress freq ×{self.frequency:g}, sev ×{self.severity:g}"

    @classmethod
    def parse(cls, text: str) -> Stress:
        """``"freq=1.5,sev=1.2"`` (either part may be left out)."""
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in str(text).split(","))):
            m = re.fullmatch(r"(freq|frequency|sev|severity)\s*=\s*([0-9.eE+-]+)", part)
            if not m:
                raise CapitalError(
                    invalid("stress", part, "must be freq=<x> or sev=<x>, e.g. freq=1.5,sev=1.2")
                )
            key = "frequency" if m.group(1).startswith("freq") else "severity"
            try:
                values[key] = float(m.group(2))
            except ValueError:
                raise CapitalError(
                    invalid("stress", part, "the multiplier must be a number")
                ) from None
        if not values:
            raise CapitalError(invalid("stress", text, "must be freq=<x> and/or sev=<x>"))
        return cls(**values)
