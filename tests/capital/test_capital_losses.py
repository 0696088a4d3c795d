"""Loss component: threshold on aggregated net loss, grouping, exclusions, gains, zero years."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oprisk.capital import EventLine, Posting, loss_component
from oprisk.capital.losses import built
from oprisk.errors import CapitalError, MissingInputError

D = Decimal


def frame(rows: list[tuple]) -> pd.DataFrame:
    cols = [
        "event_id",
        "root_event_id",
        "accounting_year",
        "net_loss",
        "excluded",
        "credit_boundary",
        "gain",
        "exclusion_reference",
    ]
    return pd.DataFrame([r + (None,) * (len(cols) - len(r)) for r in rows], columns=cols)


def status(result, event_id: str) -> str:
    (line,) = [e for e in result.events if event_id in e.event_ids]
    return line.status


def test_threshold_on_aggregated_net_loss_across_years():
    df = frame([("A", None, 2023, 15000), ("A", None, 2024, 15000), ("B", None, 2024, 19999)])
    r = loss_component(df, threshold=20000, end_year=2024, years=10)
    assert status(r, "A") == "included" and status(r, "B") == "below-threshold"
    assert {a.year: a.net_loss for a in r.annual_losses}[2023] == 15000
    assert r.total_loss == 30000 and r.average_annual_loss == 3000 and r.lc == 45000


def test_grouping_to_root_event():
    df = frame(
        [
            ("R", None, 2024, 8000),
            ("C1", "R", 2024, 7000),
            ("C2", "C1", 2023, 6000),
            ("X", "GONE", 2022, 5000),
        ]
    )
    r = loss_component(df, threshold=20000, end_year=2024)
    (line,) = [e for e in r.events if e.group_id == "R"]
    assert (
        line.event_ids == ("C1", "C2", "R")
        and line.aggregated_net_loss == 21000
        and line.status == "included"
    )
    # a root not in the data still names the group
    assert [e.group_id for e in r.events if "X" in e.event_ids] == ["GONE"]
    assert r.annual_frame().loc[2024, "events"] == 1


def test_exclusions_credit_boundary_and_gain_listed():
    df = frame(
        [
            ("EX", None, 2024, 500000, True, None, None, "PRA-2024-17"),
            ("CB", None, 2024, 300000, None, True),
            ("G", None, 2024, -40000, None, None, True),
            ("CH", "EX", 2023, 90000),  # child of an excluded root is excluded with it
            ("OK", None, 2024, 100000),
        ]
    )
    r = loss_component(df, threshold=20000, end_year=2024)
    assert [status(r, e) for e in ("EX", "CH", "CB", "G", "OK")] == [
        "excluded",
        "excluded",
        "credit-boundary",
        "gain",
        "included",
    ]
    ex = next(e for e in r.events if e.status == "excluded")
    assert ex.exclusion_reference == "PRA-2024-17" and ex.aggregated_net_loss == 590000
    assert r.total_loss == 100000
    assert set(r.events_frame().status) == {"excluded", "credit-boundary", "gain", "included"}
    assert r.count("gain") == 1


def test_zero_years_and_outside_window():
    df = frame([("A", None, 2024, 50000), ("OLD", None, 2010, 10**9)])
    r = loss_component(df, threshold=20000, end_year=2024)
    assert [a.net_loss for a in r.annual_losses] == [0] * 9 + [50000]
    assert r.average_annual_loss == 5000 and status(r, "OLD") == "outside-window"
    assert r.postings_frame().set_index("event_id").loc["OLD", "status"] == "outside-window"


def test_fewer_years_of_data():
    df = frame([("A", None, 2024, 50000), ("B", None, 2018, 50000)])
    r = loss_component(df, threshold=20000, end_year=2024, years_of_data=5)
    assert (r.first_year, r.average_annual_loss, r.ilm_eligible) == (2020, 10000, True)
    r = loss_component(df, threshold=20000, end_year=2024, years_of_data=3)
    assert not r.ilm_eligible and "3 years" in r.ilm_ineligible_reason


def test_empty_losses_and_unit():
    empty = frame([])
    assert loss_component(empty, threshold=100000, end_year=2024).lc == 0
    df = frame([("A", None, 2024, D("0.019")), ("B", None, 2024, D("0.02"))])
    r = loss_component(df, threshold=20000, end_year=2024, unit=D("1e6"))
    assert status(r, "A") == "below-threshold" and status(r, "B") == "included"


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"threshold": -1}, CapitalError, "-1 for 'threshold'"),
        ({"threshold": 30000}, CapitalError, "30000 for 'threshold'"),
        ({"threshold": 20000, "years_of_data": 11}, CapitalError, "'years_of_data'"),
        ({"threshold": 20000, "unit": 0}, CapitalError, "'unit'"),
    ],
)
def test_bad_options(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        loss_component(frame([("A", None, 2024, 1)]), end_year=2024, **kwargs)


def test_bad_rows():
    with pytest.raises(MissingInputError, match="net_loss"):
        loss_component(
            pd.DataFrame({"event_id": ["A"], "root_event_id": [None], "accounting_year": [2024]}),
            threshold=20000,
            end_year=2024,
        )
    with pytest.raises(MissingInputError, match=r"net_loss\[A, 2024\]"):
        loss_component(frame([("A", None, 2024, float("nan"))]), threshold=20000, end_year=2024)
    with pytest.raises(CapitalError, match="cycle"):
        loss_component(
            frame([("A", "B", 2024, 1), ("B", "A", 2024, 1)]), threshold=20000, end_year=2024
        )
    with pytest.raises(CapitalError, match=r"accounting_year\[A\]"):
        loss_component(frame([("A", None, "last year", 1)]), threshold=20000, end_year=2024)


rows = st.lists(
    st.tuples(
        st.sampled_from("ABCDEFG"),
        st.sampled_from([None, "A", "B"]),
        st.integers(2012, 2024),
        st.integers(-5000, 60000),
        st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=80, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_invariant_to_row_order_and_consistent(data, rnd):
    # one root per event, no cycles: roots are only A/B and A/B are roots themselves
    clean = [(e, None if e in "AB" else r, y, a, x and e == "C") for e, r, y, a, x in data]
    roots = {}
    clean = [(e, roots.setdefault(e, r), y, a, x) for e, r, y, a, x in clean]
    df = frame([(e, r, y, a, x) for e, r, y, a, x in clean])
    r1 = loss_component(df, threshold=20000, end_year=2024)
    r2 = loss_component(
        df.sample(frac=1, random_state=rnd.randint(0, 999)), threshold=20000, end_year=2024
    )
    assert r1.to_dict() == r2.to_dict()
    included = sum(e.aggregated_net_loss for e in r1.events if e.status == "included")
    assert included == r1.total_loss
    assert all(e.aggregated_net_loss >= 20000 for e in r1.events if e.status == "included")


def test_postings_and_event_lines_are_the_dataclasses_their_fields_make():
    df = frame(
        [
            ("B", "A", 2024, D("30000.5")),
            ("A", None, 2023, 1),
            ("C", None, 2010, 5, False, False, False),
            ("X", None, 2024, 7, True, False, False, "EX-1"),
        ]
    )
    r = loss_component(df, threshold=20000, end_year=2024)
    assert r.postings == (
        Posting("C", "C", 2010, D(5), "outside-window"),
        Posting("A", "A", 2023, D(1), "included"),
        Posting("B", "A", 2024, D("30000.5"), "included"),
        Posting("X", "X", 2024, D(7), "excluded"),
    )
    assert list(vars(r.postings[0]).items()) == list(
        {
            "event_id": "C",
            "group_id": "C",
            "accounting_year": 2010,
            "net_loss": D(5),
            "status": "outside-window",
        }.items()
    )  # the fields in their order, as postings_frame() reads them
    assert r.events[-1] == EventLine(
        "X", "excluded", ("X",), D(7), "approved supervisory exclusion (CRR3 Art 320)", "EX-1"
    )
    assert len({*r.postings, *r.events}) == 7  # hashable, as frozen dataclasses are
    with pytest.raises(TypeError, match="needs the columns"):
        built(Posting, group_id=["A"], event_id=["A"])
