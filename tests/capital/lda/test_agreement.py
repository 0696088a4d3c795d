"""Property: FFT, Panjer and Monte Carlo agree within their stated errors on random models.

Hypothesis draws the frequency (Poisson or negative binomial) and the severity (lognormal, GPD
with ξ < ½ so the Monte Carlo ES has a standard error, Burr XII); the examples are derandomised,
so the test is deterministic. Tolerances: 4 Monte Carlo standard errors plus the grid's own error
estimate; FFT against Panjer within the sum of their step-2h error estimates (and a 1e-7 floor
for the rounding of two different convolutions).
"""

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from oprisk.capital.lda import aggregate, negative_binomial, poisson

frequencies = st.one_of(
    st.builds(poisson, st.floats(0.5, 60.0)),
    st.builds(negative_binomial, st.floats(1.0, 30.0), st.floats(0.8, 20.0)),
)
severities = st.one_of(
    st.builds(
        lambda mu, s: stats.lognorm(s, scale=math.exp(mu)),
        st.floats(6.0, 12.0),
        st.floats(0.3, 1.8),
    ),
    st.builds(
        lambda xi, beta: stats.genpareto(xi, scale=beta), st.floats(0.0, 0.45), st.floats(1e3, 1e6)
    ),
    st.builds(
        lambda c, d, s: stats.burr12(c, d, scale=s),
        st.floats(1.5, 4.0),
        st.floats(1.5, 3.0),
        st.floats(1e3, 1e5),
    ),
)


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol + 1e-7 * abs(b)


@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(frequency=frequencies, severity=severities)
def test_fft_panjer_and_monte_carlo_agree(frequency, severity):
    level = 0.99  # 20,000 years leave 200 tail points: a usable MC standard error
    fft = aggregate(frequency, severity, "fft", confidence_levels=level)
    pan = aggregate(frequency, severity, "panjer", confidence_levels=level)
    mc = aggregate(
        frequency, severity, "mc", confidence_levels=level, n_simulations=20_000, random_state=7
    )
    mean = frequency.mean * float(severity.mean())
    for grid in (fft, pan):
        assert _close(grid.expected_loss, mean, grid.expected_loss_se)
        assert _close(grid.var[level], mc.var[level], 4 * mc.var_se[level] + grid.var_se[level])
        assert _close(grid.es[level], mc.es[level], 4 * mc.es_se[level] + grid.es_se[level])
    assert _close(mc.expected_loss, mean, 4 * mc.expected_loss_se)
    assert _close(fft.var[level], pan.var[level], fft.var_se[level] + pan.var_se[level])
    assert _close(fft.es[level], pan.es[level], fft.es_se[level] + pan.es_se[level])
