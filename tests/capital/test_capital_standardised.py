"""Basel III SA: BI, BIC, ILM and the full chain, reconciled to basel-oprisk.md §4.3, §4.4, §4.7."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oprisk.capital import PROFILES, bic, business_indicator, get_profile, ilm, loss_component, sa
from oprisk.errors import CapitalError, ConfigurationError, DataQualityWarning, MissingInputError

D = Decimal
M = D("1e6")  # the worked example is in EUR millions
YEARS = [2022, 2023, 2024]
ITEMS = {
    "interest_income": [2400, 2600, 2900],
    "interest_expense": [1300, 1500, 1750],
    "interest_earning_assets": [45000, 48000, 51000],
    "dividend_income": [20, 25, 30],
    "fee_income": [700, 750, 800],
    "fee_expense": [200, 220, 240],
    "other_operating_income": [80, 60, 90],
    "other_operating_expense": [120, 100, 110],
    "net_pnl_trading_book": [150, -90, 210],
    "net_pnl_banking_book": [40, 30, -20],
}
ANNUAL = [18, 25, 12, 40, 22, 15, 30, 19, 27, 21]  # EUR m, 2015..2024


def items_wide() -> pd.DataFrame:
    return pd.DataFrame(ITEMS, index=YEARS)


def items_long() -> pd.DataFrame:
    return (
        items_wide()
        .rename_axis("year")
        .reset_index()
        .melt(id_vars="year", var_name="item", value_name="amount")
    )


def losses() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "event_id": [f"E{y}" for y in range(2015, 2025)],
            "root_event_id": [None] * 10,
            "accounting_year": list(range(2015, 2025)),
            "net_loss": ANNUAL,
        }
    )
    frame.attrs.update(currency="EUR", unit=M)  # net_loss in EUR millions, like the BI items
    return frame


# --- BI -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        items_wide,
        items_long,
        lambda: items_wide().T,  # the reference layout: items as rows
        lambda: {y: {k: v[i] for k, v in ITEMS.items()} for i, y in enumerate(YEARS)},
        lambda: {k: dict(zip(YEARS, v, strict=True)) for k, v in ITEMS.items()},
    ],
)
def test_bi_worked_example_all_shapes(shape):
    r = business_indicator(shape(), currency="EUR")
    assert r.years == (2022, 2023, 2024)
    assert [y.abs_net_interest for y in r.yearly] == [1100, 1100, 1150]
    assert round(r.avg_abs_net_interest, 2) == D("1116.67")
    assert r.interest_cap == D("1080.0000") and r.cap_binds
    assert r.ildc == D("1105")
    assert round(r.avg_other_operating_income, 2) == D("76.67")
    assert r.sc == D("860")
    assert r.fc == D("180")
    assert r.bi == D("2145")


def test_bi_short_codes_and_end_year():
    frame = items_wide().rename(columns={"interest_income": "II", "net_pnl_trading_book": "TB"})
    frame.loc[2025] = frame.loc[2024] * 100  # a later year is ignored with end_year
    assert business_indicator(frame, end_year=2024).bi == D("2145")


def test_bi_year_without_items():
    frame = items_wide()
    frame.loc[2023] = float("nan")
    with pytest.raises(MissingInputError) as err:
        business_indicator(frame)
    assert "items[2023]" in str(err.value) and "no BI items for year 2023" in str(err.value)


def test_bi_missing_item_unknown_item_negative_item():
    frame = items_wide()
    frame.loc[2023, "fee_expense"] = None
    with pytest.raises(MissingInputError, match=r"items\[2023\].*fee_expense"):
        business_indicator(frame)
    with pytest.raises(CapitalError, match="'bonus_pool' for 'item'"):
        business_indicator(items_wide().assign(bonus_pool=1))
    with pytest.raises(CapitalError, match=r"fee_expense\[2024\]"):
        business_indicator(items_wide().assign(fee_expense=[1, 2, -3]))


# --- BIC ----------------------------------------------------------------------------------------


def test_bic_worked_example_and_buckets():
    r = bic(business_indicator(items_wide()), bi_unit=M)
    assert r.bic == D("291.75") and r.bucket == 2
    assert [b.contribution for b in r.buckets] == [D("120"), D("171.75"), D(0)]
    assert bic(35, bi_unit=D("1e9")).bic == D("5.37")
    assert bic(35_000, bi_unit=M).bic == D("5370")


def test_bic_continuity_at_boundaries():
    eps = D("1e-9")
    for edge, value in ((D(1000), D(120)), (D(30000), D(4470))):
        assert bic(edge, bi_unit=M).bic == value
        assert abs(bic(edge + eps, bi_unit=M).bic - value) < D("1e-9")
        assert abs(bic(edge - eps, bi_unit=M).bic - value) < D("1e-9")
    assert bic(D(1000), bi_unit=M).bucket == 1 and bic(D("1000.01"), bi_unit=M).bucket == 2


def test_bic_errors():
    with pytest.raises(CapitalError, match="'bi_unit'"):
        bic(1, bi_unit=0)
    with pytest.raises(CapitalError, match="-5 for 'bi'"):
        bic(-5, bi_unit=1)


bis = st.decimals(min_value=0, max_value=100_000, places=4, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(bis, bis)
def test_bic_increasing_and_continuous(a, b):
    lo, hi = sorted((a, b))
    f_lo, f_hi = bic(lo, bi_unit=M).bic, bic(hi, bi_unit=M).bic
    assert f_lo <= f_hi
    # Lipschitz with the top coefficient: continuous everywhere.
    assert f_hi - f_lo <= D("0.18") * (hi - lo)
    assert f_hi - f_lo >= D("0.12") * (hi - lo)


# --- ILM ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [("0", "0.5413"), ("0.25", "0.7169"), ("0.5", "0.8297"), ("1", "1.0000"), ("2", "1.2411"),
     ("5", "1.6756"), ("10", "2.0829"), ("50", "3.2021")],
)  # fmt: skip
def test_ilm_reference_table(ratio, expected):
    assert round(ilm(D(ratio) * 100, D(100)).ilm, 4) == D(expected)


def test_ilm_worked_example_and_exact_one():
    r = ilm(D("343.50"), D("291.75"))
    assert round(r.ratio, 6) == D("1.177378")
    assert round(r.ratio_power, 6) == D("1.139548")
    assert round(r.ilm, 6) == D("1.050063")
    assert ilm(7, 7).ilm == 1
    with pytest.raises(CapitalError, match="'bic'"):
        ilm(1, 0)


def test_ilm_rescales_lc_to_bi_unit():
    whole = losses().assign(net_loss=lambda f: f.net_loss * 1_000_000)
    whole.attrs["unit"] = 1  # now in whole euros
    lc = loss_component(whole, threshold=20000, end_year=2024)
    assert lc.lc == D("343500000") and lc.unit == 1
    assert round(ilm(lc, bic(2145, bi_unit=M)).ilm, 6) == D("1.050063")


ratios = st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(ratios, ratios)
def test_ilm_increasing_and_bounded(a, b):
    lo, hi = sorted((a, b))
    i_lo, i_hi = ilm(lo, 1).ilm, ilm(hi, 1).ilm
    assert i_lo <= i_hi
    assert i_lo >= D(math.e - 1).ln() - D("1e-15")
    assert (i_lo < 1) == (lo < 1)


# --- SA -----------------------------------------------------------------------------------------


def test_sa_worked_example_basel():
    r = sa(items_wide(), losses(), profile="basel", bi_unit=M, threshold=20000)
    assert r.bi == D("2145") and r.bic.bic == D("291.75")
    assert r.lc == D("343.5")
    assert round(r.ilm, 6) == D("1.050063") and r.ilm_rule == "formula"
    assert round(r.orc, 2) == D("306.36")
    assert round(r.rwa, 2) == D("3829.45")  # from the unrounded ORC (12.5 × 306.36 = 3829.50)
    assert r.summary().loc["RWA (EUR × 1000000)", "value"] == D("3829.45")


@pytest.mark.parametrize("name", ["eu-crr3", "uk-pra"])
def test_sa_ilm_one_profiles(name):
    r = sa(items_wide(), losses(), profile=name, bi_unit=M, threshold=20000)
    assert r.ilm == 1 and r.ilm_rule == "profile" and r.orc == D("291.75")
    assert round(r.rwa, 2) == D("3646.88")
    assert round(r.ilm_formula.ilm, 6) == D("1.050063")  # still reported for disclosure


def test_sa_without_losses_under_eu():
    assert sa(items_wide(), None, profile="eu-crr3", bi_unit=M).orc == D("291.75")
    with pytest.raises(MissingInputError, match=r"'losses'.*bucket 2"):
        sa(items_wide(), None, profile="basel", bi_unit=M)


def test_sa_bucket1_and_discretion():
    small = items_wide() / 10  # BI 214.5 → bucket 1
    small_losses = losses().assign(net_loss=lambda f: f.net_loss / 10)
    r = sa(small, small_losses, profile="basel", bi_unit=M, threshold=20000)
    assert r.bic.bucket == 1 and r.ilm == 1 and r.ilm_rule == "bucket-1"
    r2 = sa(small, small_losses, profile="basel-bucket1-ilm", bi_unit=M, threshold=20000)
    assert r2.ilm_rule == "formula" and r2.ilm > 1


def test_sa_fewer_than_five_years_and_standards():
    r = sa(items_wide(), losses(), profile="basel", bi_unit=M, threshold=20000, years_of_data=4)
    assert r.ilm == 1 and r.ilm_rule == "insufficient-loss-data" and "4 years" in r.ilm_reason
    r5 = sa(items_wide(), losses(), profile="basel", bi_unit=M, threshold=20000, years_of_data=5)
    assert r5.loss_component.average_annual_loss == D(15 + 30 + 19 + 27 + 21) / 5
    low = losses().assign(net_loss=lambda f: f.net_loss / 10)
    r = sa(items_wide(), low, profile="basel", bi_unit=M, threshold=20000)
    assert r.ilm < 1
    r = sa(
        items_wide(),
        low,
        profile="basel",
        bi_unit=M,
        threshold=20000,
        loss_data_standards_met=False,
    )
    assert r.ilm == 1 and r.ilm_rule == "standards-not-met"
    r = sa(
        items_wide(),
        losses(),
        profile="basel",
        bi_unit=M,
        threshold=20000,
        loss_data_standards_met=False,
    )
    assert round(r.ilm, 6) == D("1.050063") and r.ilm_rule == "formula"


def test_sa_threshold_rules():
    for bad, match in ((-1, "must be ≥ 0"), (50000, "must be one of 20000, 100000")):
        with pytest.raises(CapitalError, match=match) as err:
            sa(items_wide(), losses(), profile="basel", bi_unit=M, threshold=bad)
        assert "'threshold'" in str(err.value) and str(bad) in str(err.value)
    r = sa(
        items_wide(),
        losses(),
        profile="basel",
        bi_unit=M,
        threshold=50000,
        allow_any_threshold=True,
    )
    assert r.lc == D("343.5")
    # no threshold: the profile's default, EUR 20,000 (the same default everywhere)
    assert sa(items_wide(), losses(), profile="basel", bi_unit=M).lc == D("343.5")
    no_default = replace(get_profile("basel"), thresholds=())
    with pytest.raises(MissingInputError, match=r"'threshold'.*no confirmed EUR loss threshold"):
        sa(items_wide(), losses(), profile=no_default, bi_unit=M)
    lc = loss_component(losses(), threshold=20000, end_year=2024, unit=M)
    with pytest.raises(CapitalError, match="only when raw loss rows"):
        sa(items_wide(), lc, profile="basel", bi_unit=M, threshold=20000)
    assert round(sa(items_wide(), lc, profile="basel", bi_unit=M).rwa, 2) == D("3829.45")
    with pytest.warns(DataQualityWarning, match="bucket 1"):
        sa(items_wide() / 10, losses(), profile="basel", bi_unit=M, threshold=100000)


def test_sa_bi_as_number_needs_end_year():
    with pytest.raises(MissingInputError, match="'end_year'"):
        sa(2145, losses(), profile="basel", bi_unit=M, threshold=20000)
    r = sa(2145, losses(), profile="basel", bi_unit=M, threshold=20000, end_year=2024)
    assert round(r.rwa, 2) == D("3829.45") and r.business_indicator is None


def test_profiles():
    assert set(PROFILES) == {"basel", "basel-bucket1-ilm", "eu-crr3", "uk-pra", "cn-nfra"}
    with pytest.raises(ConfigurationError) as err:
        get_profile("mars")
    assert (
        "'profile'" in str(err.value) and "'mars'" in str(err.value) and "eu-crr3" in str(err.value)
    )
    with pytest.raises(ConfigurationError):
        sa(items_wide(), None, profile="EU", bi_unit=M)
    sama = replace(get_profile("basel"), name="sama", bucket_boundaries=(D("4.46e9"), D("133.8e9")))
    assert bic(D("4460"), bi_unit=M, profile=sama).bic == D("535.2")


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_sa_invariant_to_row_order(rnd):
    seed = rnd.randint(0, 10**6)
    base = sa(items_long(), losses(), profile="basel", bi_unit=M, threshold=20000)
    shuffled = sa(
        items_long().sample(frac=1, random_state=seed),
        losses().sample(frac=1, random_state=seed + 1),
        profile="basel",
        bi_unit=M,
        threshold=20000,
    )
    assert shuffled.to_dict() == base.to_dict()
