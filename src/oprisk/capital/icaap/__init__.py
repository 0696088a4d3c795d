"""ICAAP / Pillar 2: internal losses, external data, scenarios and control factors in one model.

Pure numerics (no database). The methods and their sources are in ``docs/icaap.md``::

    fit_scaling(losses, sizes)                 # α of loss ~ size^α (Shih et al. 2000)
    scale_losses(x, h, size, bank_size, α)     # external losses and thresholds to the bank's size
    fit_pooled(x, thresholds, bank_threshold=H)  # one severity, each loss truncated at its threshold
    fit_scenario(quantiles, amounts)           # quantile-matched tail family
    ScenarioSplice(body, tail, H, u, p_u)      # internal body, scenario tail
    poisson_gamma(N, T, gamma_prior(λ_s, low, high))   # frequency credibility
    lognormal_mu_posterior(x, σ, (μ₀, τ₀), threshold=H)  # severity credibility
    icaap_run(units, ...)                      # the attribution ILD → + external → + scenarios → + BEICF
"""

from .adjust import (
    DEFAULT_BOUNDS,
    ScaledSeverity,
    Stress,
    beicf_factor,
    scale_frequency,
    scale_severity,
)
from .credibility import (
    GammaPosterior,
    NormalPosterior,
    combine_normal,
    gamma_prior,
    lognormal_mu_posterior,
    poisson_gamma,
)
from .model import (
    STAGE_LABELS,
    STAGES,
    ScenarioInput,
    UnitData,
    UnitModel,
    build_unit,
    equicorrelation,
    merge_scenarios,
)
from .pooled import fit_pooled, pooled_loglik
from .result import IcaapResult
from .run import icaap_run, unit_table
from .scaling import ScalingFit, fit_scaling, scale_factor, scale_losses
from .scenario import ScenarioFit, ScenarioSplice, fit_scenario, return_period_quantile

__all__ = [
    "DEFAULT_BOUNDS",
    "STAGES",
    "STAGE_LABELS",
    "GammaPosterior",
    "IcaapResult",
    "NormalPosterior",
    "ScaledSeverity",
    "ScalingFit",
    "ScenarioFit",
    "ScenarioInput",
    "ScenarioSplice",
    "Stress",
    "UnitData",
    "UnitModel",
    "beicf_factor",
    "build_unit",
    "combine_normal",
    "equicorrelation",
    "fit_pooled",
    "fit_scaling",
    "fit_scenario",
    "gamma_prior",
    "icaap_run",
    "lognormal_mu_posterior",
    "merge_scenarios",
    "poisson_gamma",
    "pooled_loglik",
    "return_period_quantile",
    "scale_factor",
    "scale_frequency",
    "scale_losses",
    "scale_severity",
    "unit_table",
]
