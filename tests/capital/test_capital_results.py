"""Every capital result is frozen, summarises to a DataFrame and serialises to JSON."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pandas as pd
import pytest
from test_capital_basic import LA, wide
from test_capital_standardised import M, items_wide, losses

import oprisk.capital as capital
from oprisk.capital import asa, bia, bic, business_indicator, ilm, loss_component, sa, tsa


def all_results():
    return [
        bia({2021: 1000, 2022: -50, 2023: 1200}),
        tsa(wide()),
        asa(wide(), LA),
        business_indicator(items_wide()),
        bic(2145, bi_unit=M),
        loss_component(losses(), threshold=20000, end_year=2024, unit=M),
        ilm(Decimal("343.5"), Decimal("291.75")),
        sa(items_wide(), losses(), profile="basel", bi_unit=M, threshold=20000),
    ]


@pytest.mark.parametrize("result", all_results(), ids=lambda r: type(r).__name__)
def test_result_contract(result):
    data = result.to_dict()
    assert data["result"] == type(result).__name__
    assert json.loads(json.dumps(data)) == data
    assert isinstance(result.summary(), pd.DataFrame) and len(result.summary()) > 0
    assert "<table" in result._repr_html_()
    field = dataclasses.fields(result)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, field, None)


def test_to_dict_keeps_full_precision():
    data = sa(items_wide(), losses(), profile="basel", bi_unit=M, threshold=20000).to_dict()
    assert data["rwa"].startswith("3829.4470708857")
    assert Decimal(data["bic"]["bic"]) == Decimal("291.75")


def test_public_api_is_pinned():
    assert sorted(capital.__all__) == sorted(
        [
            "BI_ITEMS",
            "PROFILES",
            "ASAResult",
            "AnnualLoss",
            "BIAResult",
            "BIAYear",
            "BICBucket",
            "BICResult",
            "BIYear",
            "BusinessIndicatorResult",
            "CapitalResult",
            "EventLine",
            "ILMResult",
            "LineCharge",
            "LoansIndicator",
            "LossComponentResult",
            "Posting",
            "Profile",
            "SAResult",
            "TSAResult",
            "YearCharge",
            "asa",
            "bia",
            "bic",
            "business_indicator",
            "get_profile",
            "ilm",
            "loss_component",
            "sa",
            "tsa",
        ]
    )
    assert not any(name.startswith("oprisk.capital.lda") for name in capital.__dict__)


@pytest.mark.parametrize(
    "module",
    [
        "basic_indicator",
        "traditional_standardised",
        "alternative_standardised",
        "indicator",
        "losses",
        "internal_loss_multiplier",
    ],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"oprisk.capital.{module}")
    failures, attempted = doctest.testmod(mod, extraglobs={"Decimal": Decimal, "pd": pd})
    assert failures == 0
    assert attempted > 0
