import math

import numpy as np
import pytest
from scipy import stats

from oprisk.capital.lda import CorrelationMatrixError, aggregate_units, poisson
from oprisk.errors import CapitalError, ConvergenceWarning

UNITS = {
    "retail": (poisson(30), stats.lognorm(s=1.2, scale=math.exp(9.5))),
    "trading": (poisson(10), stats.lognorm(s=1.5, scale=math.exp(10))),
    "payments": (poisson(20), stats.lognorm(s=1.0, scale=math.exp(9.8))),
}
RHO = np.full((3, 3), 0.5) + 0.5 * np.eye(3)


def run(copula, **kw):
    return aggregate_units(
        UNITS, copula=copula, correlation=RHO, n_simulations=200_000, random_state=11, **kw
    )


def test_finite_variance_ordering():
    ind, gau, com = run("independence"), run("gaussian"), run("comonotonic")
    a = 0.999
    assert com.var[a] >= gau.var[a] >= ind.var[a]
    assert com.var[a] == pytest.approx(com.sum_standalone_var[a], rel=1e-9)
    assert ind.diversification_benefit[a] > gau.diversification_benefit[a] > 0
    # the marginals are the same under every coupling
    assert ind.expected_loss == pytest.approx(com.expected_loss, rel=1e-12)
    assert list(gau.standalone["unit"]) == list(UNITS)


def test_t_copula_tail_dependence_above_gaussian():
    gau, tco = run("gaussian"), run("t", df=3)
    assert tco.var[0.999] > gau.var[0.999]


def test_identical_on_one_or_two_workers():
    for copula in ("independence", "gaussian", "t"):
        a = run(copula, n_workers=1, df=4 if copula == "t" else None)
        b = run(copula, n_workers=2, df=4 if copula == "t" else None)
        assert np.array_equal(a.sample, b.sample), copula
        assert a.var == b.var


def test_var_not_subadditive_for_gpd_xi_above_one():
    # GPD ξ = 1.5 (infinite mean): independence VaR exceeds the comonotonic sum
    gpd = stats.genpareto(c=1.5, scale=1.0)
    units = {"a": (poisson(2), gpd), "b": (poisson(2), gpd)}
    with pytest.warns(ConvergenceWarning, match="units a, b: the severity mean is infinite"):
        ind = aggregate_units(units, copula="independence", n_simulations=400_000, random_state=3)
    with pytest.warns(ConvergenceWarning):
        com = aggregate_units(units, copula="comonotonic", n_simulations=400_000, random_state=3)
    # no finite expected loss or ES to report: inf, not a sample figure
    assert ind.expected_loss == math.inf and ind.es[0.999] == math.inf
    assert (ind.standalone["es_0.999"] == math.inf).all()
    a = 0.999
    assert ind.var[a] > com.var[a]
    assert ind.diversification_benefit[a] < 0
    gap = ind.var[a] - com.var[a]
    assert gap > 3 * math.hypot(ind.var_se[a], com.var_se[a])


@pytest.mark.parametrize(
    ("corr", "match"),
    [
        ([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]], "positive semi-definite"),
        ([[1, 0.5, 0], [0.4, 1, 0], [0, 0, 1]], "must be symmetric"),
        ([[2, 0, 0], [0, 1, 0], [0, 0, 1]], "diagonal must be 1"),
        ([[1, 0], [0, 1]], "must be 3 × 3"),
    ],
)
def test_bad_correlation(corr, match):
    with pytest.raises(CorrelationMatrixError, match=match):
        aggregate_units(UNITS, copula="gaussian", correlation=corr, n_simulations=100)
    assert issubclass(CorrelationMatrixError, CapitalError)


def test_other_bad_input():
    with pytest.raises(CorrelationMatrixError, match="is required"):
        aggregate_units(UNITS, copula="gaussian", n_simulations=100)
    with pytest.raises(CapitalError, match="for 'df'"):
        aggregate_units(UNITS, copula="t", correlation=RHO, n_simulations=100)
    with pytest.raises(CapitalError, match="for 'copula'"):
        aggregate_units(UNITS, copula="clayton", n_simulations=100)


def test_singular_psd_correlation_accepted():
    res = aggregate_units(
        UNITS, copula="gaussian", correlation=np.ones((3, 3)), n_simulations=50_000, random_state=1
    )
    com = aggregate_units(UNITS, copula="comonotonic", n_simulations=50_000, random_state=1)
    assert res.var[0.999] == pytest.approx(com.var[0.999], rel=1e-9)
    assert res.summary().iloc[-1]["unit"] == "diversification benefit"
    assert res.to_dict()["copula"] == "gaussian"
