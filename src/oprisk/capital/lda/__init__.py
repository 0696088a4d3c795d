"""Loss Distribution Approach: truncated severity fits, frequency, aggregation, dependence.

Typical use for one unit of measure (losses above the collection threshold H)::

    sev = fit_severity(losses, "lognormal", threshold=H)
    freq = fit_frequency(dates, start=start, end=end)
    result = aggregate(freq, sev, "mc", random_state=1)
    result.var[0.999]

See ``docs/lda.md`` for the model choices and their references.
"""

from .aggregate import AggregateResult, aggregate, compare_methods
from .dependence import CorrelationMatrixError, PortfolioResult, Unit, aggregate_units
from .frequency import FrequencyFit, fit_frequency, gross_up, negative_binomial, poisson
from .gof import GoodnessOfFit, compare_severities, goodness_of_fit
from .severity import FAMILIES, SeverityFit, TruncatedDistribution, fit_severity
from .splice import SplicedSeverity, fit_spliced, gpd_stability, mean_excess

__all__ = [
    "FAMILIES",
    "AggregateResult",
    "CorrelationMatrixError",
    "FrequencyFit",
    "GoodnessOfFit",
    "PortfolioResult",
    "SeverityFit",
    "SplicedSeverity",
    "TruncatedDistribution",
    "Unit",
    "aggregate",
    "aggregate_units",
    "compare_methods",
    "compare_severities",
    "fit_frequency",
    "fit_severity",
    "fit_spliced",
    "goodness_of_fit",
    "gpd_stability",
    "gross_up",
    "mean_excess",
    "negative_binomial",
    "poisson",
]
