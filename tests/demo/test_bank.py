"""The demo bank matches its documented calibration (docs/demo.md) within sampling error."""

import numpy as np
import pytest
from scipy import optimize, stats

from oprisk.demo import bank as B


@pytest.fixture(scope="module")
def data():
    return B.generate(seed=11, events_per_year=1000).incidents


def within(observed_share, expected_share, n, k=4.0):
    return abs(observed_share - expected_share) <= k * np.sqrt(
        expected_share * (1 - expected_share) / n
    )


def test_business_line_shares_follow_moscadelli_2004_table_4(data):
    n = len(data)
    total = sum(B.BL_SHARES.values())
    shares = data.business_line.value_counts(normalize=True)
    for bl, share in B.BL_SHARES.items():
        assert within(shares.get(bl, 0.0), share / total, n), (bl, shares.get(bl), share / total)


def test_event_type_shares(data):
    shares = data.event_type.value_counts(normalize=True)
    for et, share in B.ET_SHARES.items():
        assert within(shares.get(et, 0.0), share, len(data)), (et, shares.get(et), share)


def spliced_truncated_cdf(bl: str, scale: float):
    mu, sigma = B.BL_LOGNORMAL[bl]
    mu += np.log(1000 * scale)
    u = (
        np.exp(B.BL_LOGNORMAL[bl][0] + B.BL_LOGNORMAL[bl][1] * stats.norm.ppf(B.TAIL_QUANTILE))
        * 1000
        * scale
    )
    p = B.TAIL_PROB

    def g(x):
        body = stats.norm.cdf((np.log(x) - mu) / sigma)
        tail = stats.genpareto.cdf(np.maximum(x - u, 0.0), B.TAIL_XI, scale=0.8 * u)
        return (1 - p) * body + p * tail

    h = g(B.THRESHOLD)
    return lambda x: (g(x) - h) / (1 - h)


@pytest.mark.parametrize("bl", ["BL2", "BL3"])
def test_severity_quantiles_match_the_truncated_splice(data, bl):
    x = data[(data.business_line == bl) & (data.event_type != "ET4")].gross_loss.to_numpy()
    assert x.min() >= B.THRESHOLD
    cdf = spliced_truncated_cdf(bl, 1.0)
    for q in (0.25, 0.5, 0.75, 0.9, 0.99):
        xq = optimize.brentq(lambda v, q=q: cdf(v) - q, B.THRESHOLD, 1e12)
        emp = (x <= xq).mean()
        assert abs(emp - q) <= 4 * np.sqrt(q * (1 - q) / len(x)), (bl, q, emp)


def test_dates_are_ordered_and_the_case_study_is_grouped(data):
    assert (data.discovered_on >= data.occurred_on).all()
    assert (data.accounted_on >= data.discovered_on).all()
    cn = B.cn_register()
    fraud = cn[cn["事件编号"].str.startswith("CN-2024")]
    assert set(fraud["损失事件类型"]) == {"内部欺诈", "外部欺诈"}
    assert set(fraud["业务条线"]) == {"商业银行", "零售银行"}
    assert fraud["关联主事件编号"].tolist() == ["", "CN-2024-001"]
    assert {d.year for d in fraud["入账日期"]} == {2024, 2025}
    assert (fraud["其他回收(万元)"] > 0).all()


def test_same_seed_same_bank():
    a, b = B.generate(seed=5, events_per_year=50), B.generate(seed=5, events_per_year=50)
    assert a.incidents.equals(b.incidents) and a.movements.equals(b.movements)
