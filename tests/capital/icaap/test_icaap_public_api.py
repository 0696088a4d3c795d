"""The public names of oprisk.capital.icaap and the signatures callers rely on."""

import inspect

import oprisk.capital.icaap as icaap


def test_public_names():
    assert sorted(icaap.__all__) == sorted([
        "DEFAULT_BOUNDS", "STAGES", "STAGE_LABELS", "GammaPosterior", "IcaapResult", "NormalPosterior",
        "ScaledSeverity", "ScalingFit", "ScenarioFit", "ScenarioInput", "ScenarioSplice", "Stress",
        "UnitData", "UnitModel", "beicf_factor", "build_unit", "combine_normal", "equicorrelation",
        "fit_pooled", "fit_scaling", "fit_scenario", "gamma_prior", "icaap_run", "lognormal_mu_posterior",
        "merge_scenarios", "poisson_gamma", "pooled_loglik", "return_period_quantile", "scale_factor",
        "scale_frequency", "scale_losses", "scale_severity", "unit_table",
    ])  # fmt: skip
    assert icaap.STAGES == ("ild", "external", "scenarios", "beicf")
    for name in icaap.__all__:
        assert hasattr(icaap, name), name


def test_run_keywords():
    params = inspect.signature(icaap.icaap_run).parameters
    for kw in ("confidence", "dependence", "correlation", "n_simulations", "random_state", "stress",
               "beicf_on", "beicf_bounds", "scenario_severity", "tail_quantile", "n_workers"):  # fmt: skip
        assert params[kw].kind is inspect.Parameter.KEYWORD_ONLY, kw
