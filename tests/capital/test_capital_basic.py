"""BIA / TSA / ASA: reconciliation to the reference worked examples (basel-oprisk.md §2.3, §3.3)."""

from __future__ import annotations

import warnings
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oprisk.capital import asa, bia, tsa
from oprisk.errors import CapitalError, DataQualityWarning, MissingInputError, UnknownTaxonomyError

D = Decimal
YEARS = [2021, 2022, 2023]
# Reference §3.3 (EUR m): rows = lines, values Y1..Y3.
TSA_GI = {
    "BL1": [50, 40, -30],
    "BL2": [200, -300, 150],
    "BL3": [600, 550, -700],
    "BL4": [300, 280, -200],
    "BL5": [80, 70, 60],
    "BL6": [40, 35, 30],
    "BL7": [60, -20, 50],
    "BL8": [70, 65, -100],
}


def wide() -> pd.DataFrame:
    return pd.DataFrame(TSA_GI, index=YEARS)


def long() -> pd.DataFrame:
    return (
        wide()
        .rename_axis("year")
        .reset_index()
        .melt(id_vars="year", var_name="business_line", value_name="gross_income")
    )


# --- BIA ----------------------------------------------------------------------------------------


def test_bia_worked_example_165():
    result = bia({2021: 1000, 2022: -50, 2023: 1200}, currency="EUR")
    assert result.capital == D("165")
    assert result.rwa == D("2062.5")
    assert result.positive_years == 2
    assert [y.included for y in result.years] == [True, False, True]
    assert result.average_gross_income == D("1100")


def test_bia_on_tsa_totals_159():
    totals = wide().sum(axis=1)  # 1,400 / 720 / −740
    assert list(totals) == [1400, 720, -740]
    assert bia(totals).capital == D("159")


def test_bia_uses_last_three_years_only():
    result = bia(pd.Series([5000, 1000, -50, 1200], index=[2020, 2021, 2022, 2023]))
    assert [y.year for y in result.years] == [2021, 2022, 2023]
    assert result.capital == D("165")


def test_bia_fewer_years_rejected_naming_years():
    with pytest.raises(MissingInputError) as err:
        bia({2022: 100, 2023: 200})
    assert "gross_income" in str(err.value)
    assert "2022, 2023" in str(err.value)


def test_bia_fewer_years_allowed_for_new_institutions():
    assert bia({2023: 200}, allow_fewer_years=True).capital == D("30")


def test_bia_gap_in_years_is_missing_input():
    with pytest.raises(MissingInputError, match="missing 2022"):
        bia({2020: 1, 2021: 1, 2023: 1})


def test_bia_all_negative_warns_and_is_zero():
    with pytest.warns(DataQualityWarning, match="no positive gross income"):
        result = bia({2021: -1, 2022: 0, 2023: -5})
    assert result.capital == 0


def test_bia_bad_number_names_field():
    with pytest.raises(CapitalError, match=r"gross_income\[2022\]"):
        bia({2021: 1, 2022: "abc", 2023: 1})


# --- TSA ----------------------------------------------------------------------------------------


def test_tsa_worked_example_94_15():
    result = tsa(wide(), offsetting="within-year", profile="basel")
    assert result.capital == D("94.15")
    charges = {y.year: (y.charge_before_floor, y.charge) for y in result.year_charges}
    assert charges == {
        2021: (D("198.00"), D("198.00")),
        2022: (D("84.45"), D("84.45")),
        2023: (D("-83.10"), D("0")),
    }
    assert result.table().loc["BL3", 2023] == D("-84.00")


def test_tsa_long_form_labels_and_chinese():
    frame = long()
    labels = {
        "BL1": "Corporate Finance",
        "BL3": "零售银行",
        "BL4": "商业银行业务",
        "BL8": "零售经纪",
    }
    frame["business_line"] = frame["business_line"].replace(labels)
    assert tsa(frame).capital == D("94.15")


def test_tsa_level2_lines_roll_up():
    gi = {y: {"BL32": 100, "BL33": 50, "BL2": 10} for y in YEARS}
    result = tsa(gi)
    assert result.business_lines == ("BL2", "BL3")
    assert result.capital == D("0.12") * 150 + D("0.18") * 10


def test_tsa_no_offsetting_variant():
    result = tsa(wide(), offsetting="none")
    # Y1 all positive 198.00; Y2 positives 7.2+66+42+12.6+5.25+7.8 = 140.85; Y3 9 lines: 27+10.8+4.5+6 = 48.3
    assert [y.charge for y in result.year_charges] == [D("198.00"), D("140.85"), D("48.30")]
    assert result.capital == (D("198") + D("140.85") + D("48.3")) / 3


def test_tsa_unknown_line():
    with pytest.raises(UnknownTaxonomyError) as err:
        tsa({y: {"BL3": 1, "Space Mining": 2} for y in YEARS})
    assert "Space Mining" in str(err.value) and "business_line" in str(err.value)


def test_tsa_bl9_needs_profile():
    gi = {y: {"BL3": 100, "其他": 10} for y in YEARS}
    with pytest.raises(CapitalError, match="BL9") as err:
        tsa(gi, profile="basel")
    assert "'basel'" in str(err.value)
    assert tsa(gi, profile="cn-nfra").capital == D("12") + D("1.8")


def test_tsa_missing_year_and_missing_cell():
    with pytest.raises(MissingInputError, match="needs 3 years"):
        tsa({2022: {"BL3": 1}, 2023: {"BL3": 1}})
    frame = long()
    frame = frame[~((frame.year == 2022) & (frame.business_line == "BL5"))]
    with pytest.raises(MissingInputError, match=r"gross_income\[2022\].*BL5"):
        tsa(frame)


def test_tsa_duplicate_and_bad_options():
    frame = pd.concat([long(), long().head(1)])
    with pytest.raises(CapitalError, match="given twice"):
        tsa(frame)
    with pytest.raises(CapitalError, match="'offsetting'"):
        tsa(wide(), offsetting="partial")  # type: ignore[arg-type]
    from oprisk.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="basel, basel-bucket1-ilm, eu-crr3"):
        tsa(wide(), profile="narnia")


amounts = st.integers(min_value=-10_000, max_value=10_000)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(amounts, min_size=8, max_size=8), min_size=3, max_size=3))
def test_tsa_bounds(rows):
    gi = {y: dict(zip(TSA_GI, row, strict=True)) for y, row in zip(YEARS, rows, strict=True)}
    k = tsa(gi).capital
    upper = sum(max(D(sum(r)) * D("0.18"), D(0)) for r in rows) / 3
    assert 0 <= k <= sum(max(D(x) * D("0.18"), 0) for r in rows for x in r) / 3
    # The beta range bounds the charge when every line has the same sign in a year.
    if all(all(x >= 0 for x in r) for r in rows):
        assert D("0.12") * sum(D(sum(r)) for r in rows) / 3 <= k <= upper


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_tsa_invariant_to_row_order(rnd):
    frame = long()
    shuffled = frame.sample(frac=1, random_state=rnd.randint(0, 10**6))
    assert tsa(shuffled).to_dict() == tsa(frame).to_dict()


# --- ASA ----------------------------------------------------------------------------------------


LA = {"BL3": dict.fromkeys(YEARS, 10000), "BL4": dict.fromkeys(YEARS, 8000)}


def test_asa_worked_example_42_42():
    result = asa(None, LA)
    assert [(li.business_line, li.charge) for li in result.loans_indicators] == [
        ("BL3", D("42")),
        ("BL4", D("42")),
    ]
    assert result.capital == D("84")


def test_asa_other_lines_keep_gi_and_rb_cb_gi_ignored():
    result = asa(wide(), LA)
    other = [j for j in TSA_GI if j not in ("BL3", "BL4")]
    by_year = [
        sum(
            D(TSA_GI[j][i])
            * {
                "BL1": D("0.18"),
                "BL2": D("0.18"),
                "BL5": D("0.18"),
                "BL6": D("0.15"),
                "BL7": D("0.12"),
                "BL8": D("0.12"),
            }[j]
            for j in other
        )
        + 84
        for i in range(3)
    ]
    assert result.capital == sum(max(x, D(0)) for x in by_year) / 3
    assert "BL3" in result.business_lines and all(
        c.indicator == D("350") for c in result.line_charges if c.business_line == "BL3"
    )


def test_asa_aggregation_options():
    result = asa(
        {y: {"BL1": 100, "BL6": 100} for y in YEARS},
        LA,
        aggregate_rb_cb=True,
        aggregate_other_lines=True,
    )
    (li,) = result.loans_indicators
    assert li.business_line == "BL3+BL4" and li.charge == D("0.15") * D("0.035") * 18000
    assert result.capital == D("94.5") + D("36")


def test_asa_errors():
    with pytest.raises(CapitalError, match="only BL3"):
        asa(None, {"BL1": dict.fromkeys(YEARS, 1)})
    with pytest.raises(MissingInputError, match="loans_and_advances"):
        asa(None, {"BL3": {2023: 1}})
    with pytest.raises(MissingInputError, match="must match"):
        asa({y: {"BL1": 1} for y in [2020, 2021, 2022]}, LA)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(CapitalError, match="≥ 0"):
            asa(None, {"BL3": {2021: 1, 2022: -1, 2023: 1}})
