"""The single-loss approximation of Böcker & Klüppelberg (2005), with a mean correction.

VaR_α ≈ F⁻¹(1 − (1 − α)/λ) + correction [basel-oprisk.md §7.7]. The correction (Degen 2010) is
``λ·E[X]`` (the form that reproduces the reference numeric check; default) or ``(λ − 1)·E[X]``
(``"mean_minus_one"``; the exact form in Degen (2010) is unconfirmed), or none. It is an asymptotic
check, not a capital figure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from oprisk.errors import CapitalError, invalid

from .frequency import FrequencyFit
from .resolve import ResolvedSeverity


def single_loss_approximation(
    frequency: FrequencyFit, sev: ResolvedSeverity, conf: tuple[float, ...], correction: str
) -> dict[str, Any]:
    """Fields of an :class:`AggregateResult` for ``method="sla"``."""
    lam = frequency.mean
    mean = sev.mean
    if correction == "mean":
        term = lam * mean
    elif correction == "mean_minus_one":
        term = (lam - 1) * mean
    elif correction == "none":
        term = 0.0
    else:
        raise CapitalError(
            invalid("sla_correction", correction, "must be one of mean, mean_minus_one, none")
        )
    if not math.isfinite(term):
        term = 0.0  # infinite mean: Böcker–Klüppelberg without correction
    single = {a: float(sev.isf(np.array([(1 - a) / lam]))[0]) for a in conf}
    nan = dict.fromkeys(conf, math.nan)
    return {
        "expected_loss": lam * mean,
        "var": {a: single[a] + term for a in conf},
        "es": nan,
        "var_se": nan,
        "es_se": nan,
        "details": {
            "single_loss_quantile": single,
            "mean_correction": term,
            "correction": correction,
        },
    }
