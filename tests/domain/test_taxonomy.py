"""Taxonomy lookups: codes and labels in both languages, and clear rejections."""

import pytest

from oprisk.domain.taxonomy import (
    BUSINESS_LINES,
    CAUSES,
    DEFAULT_CAUSES,
    EVENT_TYPES,
    business_line,
    cause,
    default_cause,
    event_type,
    normalise,
    tsa_betas,
)
from oprisk.errors import UnknownTaxonomyError


def test_counts_match_basel_annexes():
    assert len(EVENT_TYPES.level(1)) == 7
    assert len(EVENT_TYPES.level(2)) == 20
    assert len(BUSINESS_LINES.level(1)) == 8
    assert len(BUSINESS_LINES.level(2)) == 19
    assert len(CAUSES) == 4


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("ET2", "ET2"),
        ("et 2.1", "ET2.1"),
        ("External Fraud", "ET2"),
        ("外部欺诈", "ET2"),
        ("外部欺詐", "ET2"),
        ("内部欺诈事件", "ET1"),
        ("  execution, delivery & process management ", "ET7"),
        ("业务中断和系统失灵", "ET6"),
        ("信息科技系统事件", "ET6"),
        ("ＥＴ４", "ET4"),
        ("系统安全性", "ET2.2"),
    ],
)
def test_event_type_lookup(value, code):
    assert event_type(value).code == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("BL3", "BL3"),
        ("retail banking", "BL3"),
        ("零售银行", "BL3"),
        ("零售銀行", "BL3"),
        ("商业银行", "BL4"),
        ("Trading & Sales", "BL2"),
        ("bl 33", "BL33"),
        ("支付和结算", "BL5"),
    ],
)
def test_business_line_lookup(value, code):
    assert business_line(value).code == code


def test_level_two_label_shared_with_level_one():
    assert business_line("Retail Banking", level=2).code == "BL31"
    assert business_line("Retail Banking").code == "BL3"


def test_ambiguous_level_two_needs_parent():
    with pytest.raises(UnknownTaxonomyError, match="ambiguous"):
        event_type("Theft and Fraud")
    assert event_type("盗窃和欺诈", parent="外部欺诈").code == "ET2.1"
    assert event_type("Theft and Fraud", parent="ET1").code == "ET1.2"


def test_unknown_label_lists_valid_values():
    with pytest.raises(UnknownTaxonomyError) as err:
        event_type("Alien invasion")
    msg = str(err.value)
    assert (
        "'Alien invasion'" in msg
        and "'event_type'" in msg
        and "ET7 (Execution" in msg
        and "内部欺诈事件" in msg
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("人员", "people"),
        ("流程", "process"),
        ("系统", "systems"),
        ("外部事件", "external"),
        ("PEOPLE", "people"),
        ("内部程序", "process"),
    ],
)
def test_cause_lookup(value, code):
    assert cause(value).code == code


def test_default_cause_mapping_and_override():
    assert DEFAULT_CAUSES["ET7"] == "process"
    assert default_cause("ET2.2") == "external"
    assert default_cause("ET2.2", {"ET2.2": "systems"}) == "systems"
    assert default_cause("ET2.1", {"ET2": "people"}) == "people"


def test_betas_are_basel_ii():
    betas = tsa_betas()
    assert [str(betas[k]) for k in sorted(betas)] == [
        "0.18",
        "0.18",
        "0.12",
        "0.15",
        "0.18",
        "0.15",
        "0.12",
        "0.12",
    ]


def test_normalise_folds_width_case_punctuation():
    assert normalise("Ｅxecution,  Delivery & Process") == normalise(
        "execution delivery and process"
    )
