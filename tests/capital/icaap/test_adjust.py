"""BEICF and stress multipliers."""

import math

import pytest
from scipy import stats

from oprisk.capital.icaap import ScaledSeverity, Stress, beicf_factor, scale_frequency
from oprisk.capital.lda import negative_binomial
from oprisk.errors import AssessmentError, CapitalError


def test_scaled_lognormal_is_the_lognormal_with_a_larger_scale():
    base = stats.lognorm(1.8, scale=math.exp(10))
    k = 1.15
    scaled = ScaledSeverity(base, k)
    ref = stats.lognorm(1.8, scale=k * math.exp(10))  # μ + ln k, in closed form
    for x in (1e3, 1e5, 1e7):
        assert float(scaled.sf(x)) == pytest.approx(ref.sf(x), rel=1e-12)
    assert float(scaled.isf(1e-4)) == pytest.approx(ref.isf(1e-4), rel=1e-12)
    assert scaled.mean() == pytest.approx(ref.mean(), rel=1e-12)
    assert scaled.var() == pytest.approx(ref.var(), rel=1e-12)


def test_beicf_factor_spans_its_bounds():
    assert beicf_factor(100.0) == pytest.approx(0.8)
    assert beicf_factor(0.0) == pytest.approx(1.2)
    assert beicf_factor(50.0) == pytest.approx(1.0)
    assert beicf_factor(75.0, (0.9, 1.1)) == pytest.approx(0.95)
    with pytest.raises(AssessmentError, match="must be in \\[0, 100\\]"):
        beicf_factor(120.0)


def test_scaling_a_frequency_keeps_its_dispersion():
    f = scale_frequency(negative_binomial(4.0, 2.0), 1.5)
    assert f.mean == 6.0 and f.dispersion == 2.0


def test_stress_parsing_and_its_errors():
    assert Stress.parse("freq=1.5,sev=1.2") == Stress(1.5, 1.2)
    assert Stress.parse("sev=2") == Stress(1.0, 2.0)
    with pytest.raises(
        CapitalError, match="invalid value 'size=2' for 'stress': must be freq=<x> or sev=<x>"
    ):
        Stress.parse("size=2")
    with pytest.raises(CapitalError, match="'stress frequency': must be a positive number"):
        Stress.parse("freq=-1")
