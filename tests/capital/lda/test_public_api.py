"""The public API of oprisk.capital.lda: names and signatures callers rely on.

Functions keep their signatures exactly; result classes may only gain fields after the pinned ones
(with defaults), so every existing call and keyword still works.
"""

import inspect

import oprisk.capital.lda as lda

FUNCTIONS = {
    "aggregate": "(frequency: 'FrequencyFit', severity: 'Any', method: 'Method' = 'mc', *, "
    "confidence_levels: 'float | Iterable[float]' = (0.99, 0.999), n_simulations: 'int' = 1000000, "
    "random_state: 'int | np.random.SeedSequence | None' = None, n_workers: 'int' = 1, "
    "n_grid: 'int | None' = None, grid_step: 'float | None' = None, error_estimate: 'bool' = True, "
    "sla_correction: 'SlaCorrection' = 'mean') -> 'AggregateResult'",
    "aggregate_units": "(units: 'Mapping[str, tuple[FrequencyFit, Any]] | Sequence[Unit | tuple[str, "
    "FrequencyFit, Any]]', *, copula: 'Copula' = 'independence', correlation: 'Any' = None, "
    "df: 'float | None' = None, confidence_levels: 'float | Iterable[float]' = (0.99, 0.999), "
    "n_simulations: 'int' = 1000000, random_state: 'int | None' = None, n_workers: 'int' = 1) "
    "-> 'PortfolioResult'",
    "compare_methods": "(frequency: 'FrequencyFit', severity: 'Any', methods: 'Sequence[Method]' = "
    "('mc', 'fft', 'panjer', 'sla'), **kwargs: 'Any') -> 'pd.DataFrame'",
    "compare_severities": "(losses: 'Any', families: 'Sequence[Family] | None' = None, *, "
    "threshold: 'float' = 0.0, n_bootstrap: 'int' = 0, random_state: 'int | None' = None, "
    "min_losses: 'int' = 10) -> 'pd.DataFrame'",
    "fit_frequency": "(dates: 'Any' = None, *, start: 'Any' = None, end: 'Any' = None, "
    "counts: 'Any' = None, exposure: 'Any' = None, family: 'FrequencyFamily' = 'poisson', "
    "severity: 'SeverityFit | None' = None, untruncated: 'bool' = False) -> 'FrequencyFit'",
    "fit_severity": "(losses: 'Any', family: 'Family' = 'lognormal', *, threshold: 'float' = 0.0, "
    "upper: 'float' = inf, min_losses: 'int' = 10, start: 'Sequence[float] | None' = None) "
    "-> 'SeverityFit'",
    "fit_spliced": "(losses: 'Any', tail_threshold: 'float', *, threshold: 'float' = 0.0, "
    "body: 'str' = 'lognormal', min_tail: 'int' = 20, min_losses: 'int' = 10) -> 'SplicedSeverity'",
    "goodness_of_fit": "(fit: 'SeverityFit', losses: 'Any', *, n_bootstrap: 'int' = 0, "
    "random_state: 'int | None' = None) -> 'GoodnessOfFit'",
    "gpd_stability": "(losses: 'Any', thresholds: 'Sequence[float] | None' = None, *, "
    "min_exceed: 'int' = 20) -> 'pd.DataFrame'",
    "gross_up": "(frequency: 'FrequencyFit', severity: 'SeverityFit') -> 'FrequencyFit'",
    "mean_excess": "(losses: 'Any', thresholds: 'Sequence[float] | None' = None, *, "
    "min_exceed: 'int' = 10) -> 'pd.DataFrame'",
    "negative_binomial": "(mean: 'float', dispersion: 'float') -> 'FrequencyFit'",
    "poisson": "(mean: 'float') -> 'FrequencyFit'",
}

#: Constructor parameters as they were before any field was added.
CLASSES = {
    "AggregateResult": "method expected_loss analytic_mean confidence_levels var es var_se es_se "
    "frequency severity random_state n_simulations sample grid_step pmf details",
    "FrequencyFit": "family mean dispersion mean_se observed_mean prob_above_threshold untruncated "
    "threshold n_losses exposure periods",
    "GoodnessOfFit": "family n threshold statistics p_values n_bootstrap n_failed random_state",
    "PortfolioResult": "copula units confidence_levels standalone expected_loss var es var_se es_se "
    "sum_standalone_var diversification_benefit random_state n_simulations correlation df sample",
    "SeverityFit": "family params se covariance loglik aic bic n threshold n_excluded upper "
    "converged n_evaluations",
    "SplicedSeverity": "threshold tail_threshold weight tail body body_losses n",
    "TruncatedDistribution": "base lower upper",
    "Unit": "name frequency severity",
}

OTHER = {"FAMILIES", "CorrelationMatrixError"}


def test_all_is_exactly_the_pinned_names():
    assert set(lda.__all__) == set(FUNCTIONS) | set(CLASSES) | OTHER


def test_function_signatures_unchanged():
    for name, sig in FUNCTIONS.items():
        assert str(inspect.signature(getattr(lda, name))) == sig, name


def test_result_classes_only_gain_fields_with_defaults():
    for name, pinned in CLASSES.items():
        params = list(inspect.signature(getattr(lda, name)).parameters.values())
        old = pinned.split()
        assert [p.name for p in params[: len(old)]] == old, name
        assert all(p.default is not inspect.Parameter.empty for p in params[len(old) :]), name


def test_families_unchanged():
    assert lda.FAMILIES == (
        "lognormal",
        "weibull",
        "gamma",
        "loglogistic",
        "burr",
        "pareto",
        "gpd",
        "loggamma",
    )
