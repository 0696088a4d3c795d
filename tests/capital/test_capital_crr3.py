"""Profiles in their currency, and the CRR3 rules (Art 314(3), 316, 320), against hand
calculations."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal

import pandas as pd
import pytest

from oprisk.capital import bic, business_indicator, get_profile, loss_component, sa
from oprisk.capital.crr3 import art316, art320, ildc_split
from oprisk.errors import CapitalError, ConfigurationError, MissingInputError

D = Decimal
M = D("1e6")


def items(ii, ie, iea, di, years=(2023, 2024, 2025), **other):
    zero = dict.fromkeys(
        (
            "fee_income",
            "fee_expense",
            "other_operating_income",
            "other_operating_expense",
            "net_pnl_trading_book",
            "net_pnl_banking_book",
        ),
        (0, 0, 0),
    )
    cols = {"interest_income": ii, "interest_expense": ie, "interest_earning_assets": iea,
            "dividend_income": di, **zero, **other}  # fmt: skip
    return pd.DataFrame(cols, index=list(years))


# --- profiles carry their currency -------------------------------------------------------------


def test_cn_nfra_buckets_are_rmb_amounts():
    cn = get_profile("cn-nfra")
    assert cn.currency == "CNY" and cn.bucket_boundaries == (D("8e9"), D("240e9"))
    # RMB 10bn: 12 % × 8bn + 15 % × 2bn = 0.96bn + 0.30bn
    r = bic(10, bi_unit=D("1e9"), profile="cn-nfra")
    assert (r.bucket, r.bic, r.currency) == (2, D("1.26"), "CNY")
    # RMB 250bn: 0.96 + 15 % × 232 + 18 % × 10 = 0.96 + 34.8 + 1.8
    assert bic(250, bi_unit=D("1e9"), profile="cn-nfra").bic == D("37.56")


def test_a_bi_in_another_currency_converts_or_is_refused():
    with pytest.raises(MissingInputError) as err:
        bic(2145, bi_unit=M, profile="cn-nfra", currency="EUR")
    assert "CNY" in str(err.value) and "EUR" in str(err.value) and "'fx_rate'" in str(err.value)
    # 0.128 EUR per CNY: boundaries EUR 1,024m / 30,720m; 12 % × 1,024 + 15 % × (2,145 − 1,024)
    r = bic(2145, bi_unit=M, profile="cn-nfra", currency="EUR", fx_rate="0.128")
    assert (r.bucket, r.bic, r.fx_rate) == (2, D("122.88") + D("168.15"), D("0.128"))
    assert bic(2145, bi_unit=M, profile="basel", currency="EUR").bic == D("291.75")
    assert bic(2145, bi_unit=M, profile="basel").currency == "EUR"  # the profile's currency


def test_thresholds_are_profile_amounts():
    """A CNY profile's RMB 160,000 threshold is EUR 20,000 at 0.125: a EUR 19,999 loss is below."""
    cn = replace(get_profile("cn-nfra"), thresholds=(D(160_000),), ilm_fixed_at_one=False)
    losses = pd.DataFrame(
        {"event_id": ["a", "b"], "root_event_id": [None, None], "accounting_year": [2025, 2025],
         "net_loss": [D(19_999), D(20_000)]}
    )  # fmt: skip
    losses.attrs.update(currency="EUR", unit=1)
    r = sa(items((60, 62, 64), (20, 21, 22), (2000, 2100, 2200), (1, 1, 1)).mul(M), losses,
           profile=cn, bi_unit=1, fx_rate="0.125", end_year=2025)  # fmt: skip
    assert r.loss_component.threshold == D(20_000)
    assert (
        r.loss_component.count("included") == 1 and r.loss_component.count("below-threshold") == 1
    )
    with pytest.raises(MissingInputError, match="no confirmed CNY loss threshold"):
        sa(items((60, 62, 64), (20, 21, 22), (2000, 2100, 2200), (1, 1, 1)).mul(M), losses,
           profile="cn-nfra", bi_unit=1, fx_rate="0.125", end_year=2025)  # fmt: skip


def test_loss_units_are_read_not_assumed():
    bi = items((2400, 2600, 2900), (1300, 1500, 1750), (45000, 48000, 51000), (20, 25, 30))
    whole = pd.DataFrame({"event_id": ["a"], "root_event_id": [None], "accounting_year": [2024],
                          "net_loss": [D(3_000_000)]})  # fmt: skip
    with pytest.raises(MissingInputError, match=r"'loss_unit'.*carry no unit"):
        sa(bi, whole, profile="basel", bi_unit=M)  # the BI is in millions, the losses?
    lc = sa(bi, whole, profile="basel", bi_unit=M, loss_unit=1).lc  # 15 × 3m / 10 = 4.5 (EUR m)
    assert lc == D("4.5")
    whole.attrs.update(unit=1, currency="EUR")
    assert sa(bi, whole, profile="basel", bi_unit=M).lc == D("4.5")
    with pytest.raises(CapitalError, match=r"'loss_unit'.*say their unit is 1"):
        sa(bi, whole, profile="basel", bi_unit=M, loss_unit=M)
    with pytest.raises(CapitalError, match=r"'currency'.*in EUR"):
        loss_component(whole, threshold=20000, end_year=2024, currency="USD")


# --- CRR3 Art 314(3) ---------------------------------------------------------------------------


def test_ildc_split_by_hand():
    # group (EUR m): |II − IE| 40, 42, 45 → IC 42.333…; AC 2,100 → cap 47.25; DC 1.2 → 43.5333…
    group = business_indicator(
        items((60, 64, 70), (20, 22, 25), (2000, 2100, 2200), (1, D("1.2"), D("1.4")))
    )
    # subsidiary: |II − IE| 8, 8.5, 10 → IC 8.8333…; AC 110 → cap 2.475; DC 0 → ILDC 2.475
    sub = business_indicator(items((12, 13, 15), (4, D("4.5"), 5), (100, 110, 120), (0, 0, 0)))
    s = ildc_split(group, {"Sub": sub}, {"Sub": "529900SMALLLEASE0017"})
    # group without it: II − IE 32, 33.5, 35 → IC 33.5; AC 1,990 → cap 44.775; DC 1.2 → 34.7
    assert s.excluding == D("34.7")
    assert s.subsidiaries[0].ildc == D("2.475") and s.subsidiaries[0].lei == "529900SMALLLEASE0017"
    assert s.ildc == D("37.175") and round(s.including, 10) == round(D(127) / 3 + D("1.2"), 10)
    r = sa(
        items((60, 64, 70), (20, 22, 25), (2000, 2100, 2200), (1, D("1.2"), D("1.4"))),
        None,
        profile="eu-crr3",
        bi_unit=M,
        subsidiaries={"Sub": items((12, 13, 15), (4, D("4.5"), 5), (100, 110, 120), (0, 0, 0))},
    )
    assert r.bi == D("37.175") and r.ildc_split.excluding == D("34.7")
    with pytest.raises(CapitalError, match=r"'interest_income\[2023\]'.*exceeds the group"):
        ildc_split(sub, {"Group": group})


# --- CRR3 Art 316 ------------------------------------------------------------------------------


def test_art316_thresholds():
    eu = get_profile("eu-crr3")
    assert not art316(D("749999999.99"), eu, "EUR", None, waiver=False).required
    assert art316(D("750000000"), eu, "EUR", None, waiver=False).required
    waived = art316(D("1000000000"), eu, "EUR", None, waiver=True)
    assert not waived.required and "waived" in waived.reason
    with pytest.raises(
        ConfigurationError, match=r"'art316_waiver'.*only up to a BI of 1,000,000,000"
    ):
        art316(D("1000000000.01"), eu, "EUR", None, waiver=True)
    with pytest.raises(MissingInputError, match=r"EUR.*USD"):
        art316(D("800e6"), eu, "USD", None, waiver=False)
    assert art316(D("800e6"), eu, "USD", D("1.08"), waiver=False).reason.endswith(
        "(CRR3 Art 316(1))"
    )
    # the EU run says whether the annual loss must be calculated
    bi = items((2400, 2600, 2900), (1300, 1500, 1750), (45000, 48000, 51000), (20, 25, 30))
    assert sa(bi, None, profile="eu-crr3", bi_unit=M).art316.required  # BI 1,105m + … ≥ 750m
    assert sa(bi, None, profile="uk-pra", bi_unit=M).art316 is None  # no Art 316 outside the EU


# --- CRR3 Art 320 ------------------------------------------------------------------------------


def test_art320_exclusion_checks_by_hand():
    frame = pd.DataFrame(
        {
            "event_id": ["big", "small", "kept", "kept"],
            "root_event_id": [None] * 4,
            "accounting_year": [2019, 2024, 2024, 2025],
            "net_loss": [D(2_000_000), D(20_000), D(90_000), D(50_000)],
            "excluded": [True, True, False, False],
            "exclusion_reference": ["NCA-1", "NCA-2", None, None],
        }
    )
    lc = loss_component(frame, threshold=20000, end_year=2025)
    # average with the exclusions: (2,000,000 + 20,000 + 140,000) / 10 = 216,000 → 10 % = 21,600
    checks = {c.group_id: c for c in lc.exclusion_checks}
    assert checks["big"].ten_percent_of_average == D("21600") and checks["big"].materiality_met
    assert not checks["small"].materiality_met and "divested activity" in checks["small"].finding
    assert lc.average_annual_loss == D(14_000)  # the exclusions stay out of the LC
    none = art320([("x", None, D(1))], D(10))
    assert none[0].finding.startswith("no permission reference")


def test_ilm_formula_unchanged_by_the_split_into_a_module():
    from oprisk.capital import ilm

    r = ilm(D("343.50"), D("291.75"))
    assert round(r.ilm, 6) == D("1.050063")
    assert float(r.ilm) == pytest.approx(math.log(math.e - 1 + (343.5 / 291.75) ** 0.8), abs=1e-12)
