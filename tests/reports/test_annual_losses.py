"""OR1's annual losses from one pass agree with ``loss_component`` run once per variant."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from oprisk.capital import loss_component
from oprisk.reports.annual_losses import annual_losses

D = Decimal
THRESHOLDS = (D(20_000), D(100_000))
COLUMNS = ["event_id", "root_event_id", "accounting_year", "net_loss", "excluded",
           "credit_boundary", "gain", "exclusion_reference"]  # fmt: skip


def by_loss_component(rows: pd.DataFrame, threshold: Decimal, with_exclusions: bool) -> dict:
    frame = rows if with_exclusions else rows.assign(excluded=False)
    lc = loss_component(
        frame, threshold=threshold, end_year=2025, years=10, unit=1, allow_any_threshold=True
    )
    return {a.year: (a.net_loss, a.events) for a in lc.annual_losses}


def check(rows: pd.DataFrame) -> None:
    found = annual_losses(rows, 2016, 2025, THRESHOLDS)
    for threshold in THRESHOLDS:
        for with_exclusions in (False, True):
            expected = by_loss_component(rows, threshold, with_exclusions)
            got = found[(threshold, with_exclusions)]
            assert got == expected, (threshold, with_exclusions)
            # the same Decimal objects' text, not only equal values
            assert [str(v[0]) for v in got.values()] == [str(v[0]) for v in expected.values()]


def test_groups_exclusions_boundary_gains_and_the_window():
    rows = pd.DataFrame(
        [
            ("R", None, 2024, D("60000.25"), False, False, False, None),
            ("M", "R", 2025, D("50000.10"), False, False, False, None),  # grouped: R+M ≥ 100k
            ("X", None, 2019, D("2000000"), True, False, False, "NCA-1"),  # excluded
            ("Y", None, 2025, D("25000"), False, False, False, None),
            ("YM", "Y", 2025, D("1000"), True, False, False, "NCA-2"),  # excluded member
            ("C", None, 2023, D("300000"), False, True, False, None),  # credit boundary
            ("G", None, 2022, D("-40000"), False, False, True, None),  # gain
            ("O", None, 2014, D("500000"), False, False, False, None),  # before the window
            ("N", None, 2021, D("30000"), False, False, False, None),
            ("N", None, 2022, D("-15000"), False, False, False, None),  # below 20k in total
        ],
        columns=COLUMNS,
    )
    check(rows)
    got = annual_losses(rows, 2016, 2025, THRESHOLDS)
    assert got[(D(100_000), True)][2019] == (D(0), 0)
    assert got[(D(100_000), False)][2019] == (D(2_000_000), 1)
    assert got[(D(100_000), True)][2025] == (D("50000.10"), 1)


@st.composite
def loss_rows(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 25))
    ids = [f"E{i}" for i in range(n)]
    rows = []
    for i, eid in enumerate(ids):
        root = draw(st.one_of(st.none(), st.sampled_from(ids[: i + 1])))
        for year in draw(st.lists(st.integers(2012, 2026), min_size=1, max_size=3, unique=True)):
            cents = draw(st.integers(-50_000_00, 400_000_00))
            flags = [draw(st.booleans()) and draw(st.booleans()) for _ in range(3)]
            ref = f"NCA-{i}" if flags[0] else None
            rows.append((eid, root, year, D(cents) / 100, *flags, ref))
    return pd.DataFrame(rows, columns=COLUMNS)


@settings(max_examples=60, deadline=None)
@given(loss_rows())
def test_agrees_with_loss_component_on_random_rows(rows: pd.DataFrame) -> None:
    check(rows)
