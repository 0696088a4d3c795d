"""Golden tests: every cell of C 17.01 / C 17.02 / OR1 derived by hand from the data set in
conftest.py (period 2025, EUR, C 17 threshold 10,000), on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from oprisk.reports.c17 import band
from oprisk.reports.table import Period

LEI = "529900T8BM49AURSDO55"  # as reported in conftest.py

# --- C 17.01 -----------------------------------------------------------------------------------
# In scope for 2025 (gains, withdrawn, below-threshold and 2026 events out):
#   new:      A 15,000 (ET7, RB)      B 50,000 + 5,000 = 55,000 (ET2, RB; the 2026 line is later)
#             C 1,200,000 (ET4, CF)   G 60,000 (T&S) + 50,000 GBP × 1.40 = 70,000 (CI) = 130,000 (ET1 = root's)
#             R 40,000 (ET4, AS — reclassified from ET2 / RB before the cut-off)
#             M 100,000 USD × 0.90 + 20,000 USD × 0.95 = 90,000 + 19,000 = 109,000 (ET7, AM)
#   adjusted: D +40,000 (ET7, CB): 80,000 before → 120,000, band 20k-100k → 100k-1m (both bands)
#             E −5,000 (ET6, P&S): 30,000 → 25,000, band 20k-100k both times
#   not adjusted: O (recovery only); S 5,000 < 10,000; H gain; W withdrawn; F accounted in 2026
#   recoveries 2025 (received): B direct 10,000, O direct 20,000, C insurance 300,000 (B's 5,000 receivable ignored)
EXPECTED_C17_01 = {
    # CF: C new 1,200,000 (ET4); insurance 300,000
    ("0010", "0040"): 1,
    ("0010", "0080"): 1,
    ("0020", "0040"): 1_200_000,
    ("0020", "0080"): 1_200_000,
    ("0050", "0040"): 1_200_000,
    ("0050", "0080"): 1_200_000,
    ("0060", "0040"): 1_200_000,
    ("0060", "0080"): 1_200_000,
    ("0080", "0040"): 300_000,
    ("0080", "0080"): 300_000,
    # T&S: G-ROOT's part of the group, 60,000 (ET1)
    ("0110", "0010"): 1,
    ("0110", "0080"): 1,
    ("0120", "0010"): 60_000,
    ("0120", "0080"): 60_000,
    ("0150", "0010"): 60_000,
    ("0150", "0080"): 60_000,
    ("0160", "0010"): 60_000,
    ("0160", "0080"): 60_000,
    # CB: D adjusted +40,000 (ET7); a positive adjustment is a candidate for max / top 5
    ("0330", "0070"): 1,
    ("0330", "0080"): 1,
    ("0340", "0070"): 40_000,
    ("0340", "0080"): 40_000,
    ("0350", "0070"): 40_000,
    ("0350", "0080"): 40_000,
    ("0360", "0070"): 40_000,
    ("0360", "0080"): 40_000,
    # RB: A 15,000 (ET7), B 55,000 (ET2); direct recoveries B 10,000 (ET2), O 20,000 (ET7)
    ("0410", "0020"): 1,
    ("0410", "0070"): 1,
    ("0410", "0080"): 2,
    ("0420", "0020"): 55_000,
    ("0420", "0070"): 15_000,
    ("0420", "0080"): 70_000,
    ("0450", "0020"): 55_000,
    ("0450", "0070"): 15_000,
    ("0450", "0080"): 55_000,
    ("0460", "0020"): 55_000,
    ("0460", "0070"): 15_000,
    ("0460", "0080"): 70_000,
    ("0470", "0020"): 10_000,
    ("0470", "0070"): 20_000,
    ("0470", "0080"): 30_000,
    # P&S: E adjusted −5,000 (ET6); negative, so no max / top-5 candidate
    ("0530", "0060"): 1,
    ("0530", "0080"): 1,
    ("0540", "0060"): -5_000,
    ("0540", "0080"): -5_000,
    # AS: R 40,000 (ET4)
    ("0610", "0040"): 1,
    ("0610", "0080"): 1,
    ("0620", "0040"): 40_000,
    ("0620", "0080"): 40_000,
    ("0650", "0040"): 40_000,
    ("0650", "0080"): 40_000,
    ("0660", "0040"): 40_000,
    ("0660", "0080"): 40_000,
    # AM: M 109,000 (ET7)
    ("0710", "0070"): 1,
    ("0710", "0080"): 1,
    ("0720", "0070"): 109_000,
    ("0720", "0080"): 109_000,
    ("0750", "0070"): 109_000,
    ("0750", "0080"): 109_000,
    ("0760", "0070"): 109_000,
    ("0760", "0080"): 109_000,
    # Corporate items: G-CHILD's part, 70,000, under the root's ET1
    ("0810", "0010"): 1,
    ("0810", "0080"): 1,
    ("0820", "0010"): 70_000,
    ("0820", "0080"): 70_000,
    ("0850", "0010"): 70_000,
    ("0850", "0080"): 70_000,
    ("0860", "0010"): 70_000,
    ("0860", "0080"): 70_000,
    # totals: 6 new events, the group once (BL rows add up to 7)
    ("0910", "0010"): 1,
    ("0910", "0020"): 1,
    ("0910", "0040"): 2,
    ("0910", "0070"): 2,
    ("0910", "0080"): 6,
    ("0911", "0070"): 1,
    ("0911", "0080"): 1,  # A 15,000
    ("0912", "0020"): 1,
    ("0912", "0040"): 1,
    ("0912", "0080"): 2,  # B 55,000, R 40,000
    ("0913", "0010"): 1,
    ("0913", "0070"): 1,
    ("0913", "0080"): 2,  # G 130,000, M 109,000
    ("0914", "0040"): 1,
    ("0914", "0080"): 1,  # C 1,200,000
    # 15,000 + 55,000 + 1,200,000 + 130,000 + 40,000 + 109,000 = 1,549,000
    ("0920", "0010"): 130_000,
    ("0920", "0020"): 55_000,
    ("0920", "0040"): 1_240_000,
    ("0920", "0070"): 124_000,
    ("0920", "0080"): 1_549_000,
    ("0921", "0070"): 15_000,
    ("0921", "0080"): 15_000,
    ("0922", "0020"): 55_000,
    ("0922", "0040"): 40_000,
    ("0922", "0080"): 95_000,
    ("0923", "0010"): 130_000,
    ("0923", "0070"): 109_000,
    ("0923", "0080"): 239_000,
    ("0924", "0040"): 1_200_000,
    ("0924", "0080"): 1_200_000,
    # adjustments: D and E once in 0930; D in its old band (0932) AND its new band (0933)
    ("0930", "0060"): 1,
    ("0930", "0070"): 1,
    ("0930", "0080"): 2,
    ("0932", "0060"): 1,
    ("0932", "0070"): 1,
    ("0932", "0080"): 2,
    ("0933", "0070"): 1,
    ("0933", "0080"): 1,
    ("0935", "0060"): -5_000,
    ("0935", "0070"): 40_000,
    ("0935", "0080"): 35_000,
    ("0937", "0060"): -5_000,
    ("0937", "0070"): 40_000,
    ("0937", "0080"): 35_000,
    ("0938", "0070"): 40_000,
    ("0938", "0080"): 40_000,
    # max: 1,200,000; ET7 max(15,000, 109,000, +40,000) = 109,000
    ("0940", "0010"): 130_000,
    ("0940", "0020"): 55_000,
    ("0940", "0040"): 1_200_000,
    ("0940", "0070"): 109_000,
    ("0940", "0080"): 1_200_000,
    # top 5: 1,200,000 + 130,000 + 109,000 + 55,000 + 40,000 = 1,534,000; ET7 109,000 + 40,000 + 15,000
    ("0950", "0010"): 130_000,
    ("0950", "0020"): 55_000,
    ("0950", "0040"): 1_240_000,
    ("0950", "0070"): 164_000,
    ("0950", "0080"): 1_534_000,
    ("0960", "0020"): 10_000,
    ("0960", "0070"): 20_000,
    ("0960", "0080"): 30_000,
    ("0970", "0040"): 300_000,
    ("0970", "0080"): 300_000,
}


def cells(df: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r, c): v for r in df.index for c, v in df.loc[r].items() if pd.notna(v) and v != 0}


def test_c17_01_every_cell(seeded):
    db, t = seeded
    df = db.reports.c17_01("2025", t, threshold=10_000)  # the data set collects from 10,000
    thresholds = {
        (r, c): 10_000
        for r in [f"{b:04d}" for b in range(10, 820, 100)] + ["0910"]
        for c in ("0090", "0100")
    }
    assert cells(df) == {**EXPECTED_C17_01, **thresholds}
    assert df.attrs["knowledge_cutoff"]["position"] == db.position(t)
    assert df.shape == (72 + 24, 10)


def test_c17_01_interim_period(seeded):
    db, t = seeded
    df = db.reports.c17_01("2025-H1", t, threshold=10_000)
    # new in H1: A 15,000, B 55,000, C 1,200,000, G 130,000, M 90,000 (its 19,000 is accounted in October)
    assert df.loc["0910", "0080"] == 5
    assert df.loc["0920", "0080"] == 15_000 + 55_000 + 1_200_000 + 130_000 + 90_000
    assert df.loc["0930", "0080"] == 2  # D (03-31) and E (02-15)
    assert df.loc["0960", "0080"] == 10_000 + 20_000  # B 06-01, O 04-30
    assert df.loc["0970", "0080"] == 0  # C's insurance is accounted on 09-30


def test_c17_02_large_events(seeded):
    db, t = seeded
    df = db.reports.c17_02("2025", t)
    # ≥ 100,000 aggregated gross, new or adjusted in 2025, largest first; O (500,000) had no adjustment
    assert list(df.index) == ["C-BIG", "G-ROOT", "D-CROSS", "M-USD"]
    c = df.loc["C-BIG"]
    assert (c["0020"], c["0030"], c["0040"], c["0050"]) == (
        date(2025, 2, 1),
        date(2021, 5, 3),
        date(2024, 11, 20),
        "ET4",
    )
    assert (c["0060"], c["0070"], c["0080"]) == (
        1_200_000,
        1_200_000,
        1_200_000,
    )  # insurance is not a direct recovery
    assert (c["0170"], c["0180"], c["0190"]) == ("Bank AG", LEI, "Ops")
    g = df.loc["G-ROOT"]  # 60,000 T&S + 70,000 corporate items, one row under the root
    assert (g["0060"], g["0090"], g["0160"], g["0050"]) == (130_000, 60_000, 70_000, "ET1")
    assert "grouped: G-CHILD" in g["0200"]
    d = df.loc[
        "D-CROSS"
    ]  # first accounted 2024, aggregated 120,000 at the period end, all commercial banking
    assert (d["0020"], d["0060"], d["0110"]) == (date(2024, 6, 30), 120_000, 120_000)
    assert (df.loc["M-USD", "0060"], df.loc["M-USD", "0150"]) == (109_000, 109_000)
    split = [f"{c:04d}" for c in range(80, 170, 10)]
    assert (df[split].sum(axis=1) == df["0060"]).all()


def test_or1_ten_years_with_exclusions(seeded):
    db, t = seeded
    df = db.reports.or1("2025", t)
    # net losses by accounting year (received recoveries only), aggregated per (root) event over 2016-2025:
    #   B 50,000+5,000−10,000 = 45,000 (2025)   C 1,200,000−300,000 = 900,000 (2025)
    #   D 80,000 (2024) + 40,000 (2025) = 120,000   E 30,000 (2024) − 5,000 (2025) = 25,000
    #   G 130,000 (2025)   R 40,000 (2025)   M 109,000 (2025)   O 500,000 (2023) − 20,000 (2025) = 480,000, excluded
    #   A 15,000 and S 5,000 below 20,000; H gain, W withdrawn, F 2026: never
    # 20k, no exclusions, 2025: 45,000+900,000+40,000−5,000+130,000+40,000+109,000−20,000 = 1,239,000
    assert [df.loc["1", c] for c in "abc"] == [
        1_239_000,
        110_000,
        500_000,
    ]  # 2024: D 80,000 + E 30,000
    assert [df.loc["2", c] for c in "abc"] == [8, 2, 1]
    assert [df.loc["3", c] for c in "abc"] == [-20_000, 0, 500_000]  # O's postings
    assert [df.loc["4", c] for c in "abc"] == [1, 0, 1]
    assert [df.loc["5", c] for c in "abc"] == [1_259_000, 110_000, 0]
    # 100k: C, D, G, M, O; 2025: 900,000+40,000+130,000+109,000−20,000 = 1,159,000
    assert [df.loc["6", c] for c in "abc"] == [1_159_000, 80_000, 500_000]
    assert [df.loc["7", c] for c in "abc"] == [5, 1, 1]
    assert [df.loc["10", c] for c in "abc"] == [1_179_000, 80_000, 0]
    assert all(df.loc["1", c] == 0 for c in "defghij")
    # ten-year averages: (1,239,000 + 110,000 + 500,000) / 10, (1,259,000 + 110,000) / 10, 11 / 10
    assert (df.loc["1", "k"], df.loc["5", "k"], df.loc["2", "k"]) == (184_900, 136_900, 1.1)
    assert (df.loc["11", "a"], df.loc["12", "a"], df.loc["13", "a"]) == ("Yes", None, 20_000)


def test_c16_or2_or3_from_the_capital_module(seeded):
    db, t = seeded
    c16 = db.reports.c16("2025", t)  # reference §3.3: TSA 94.15m
    assert (c16.loc["020", "070"], c16.loc["020", "071"]) == (94_150_000, 1_176_875_000)
    assert [c16.loc["020", c] for c in ("010", "020", "030")] == [1_400e6, 720e6, -740e6]
    assert [c16.loc["070", c] for c in ("010", "020", "030")] == [
        600e6,
        550e6,
        -700e6,
    ]  # retail banking
    assert c16.loc["010"].isna().all()
    bia = db.reports.c16("2025", t, approach="bia")  # 15 % × (1,400 + 720) / 2 = 159.0m
    assert bia.loc["010", "070"] == 159_000_000
    asa = db.reports.c16("2025", t, approach="asa")
    assert [asa.loc["120", c] for c in ("040", "050", "060")] == [10_000e6] * 3
    or2 = db.reports.or2("2025", t)  # reference §4.7
    assert (
        or2.loc["1", "a"],
        or2.loc["2", "a"],
        or2.loc["3", "a"],
        or2.loc["4", "a"],
        or2.loc["5", "a"],
    ) == (1_105e6, 860e6, 180e6, 2_145e6, 291.75e6)
    assert [or2.loc["1a", c] for c in "abc"] == [2_900e6, 2_600e6, 2_400e6]
    or3 = db.reports.or3("2025", t)
    # LC = 15 × 136,900 (OR1 row 5 average) = 2,053,500; ILM = ln(e − 1 + (LC / BIC)^0.8)
    ilm = math.log(math.e - 1 + (2_053_500 / 291_750_000) ** 0.8)
    assert or3.loc["2", "a"] == pytest.approx(round(ilm, 6), abs=1e-9)
    assert or3.loc["3", "a"] == pytest.approx(291_750_000 * ilm, abs=0.01)
    assert or3.loc["4", "a"] == pytest.approx(12.5 * 291_750_000 * ilm, abs=0.1)


def test_bands_and_periods():
    assert [
        band(Decimal(x))
        for x in (9_999.99, 10_000, 19_999.99, 20_000, 99_999, 100_000, 999_999, 1_000_000)
    ] == [None, 1, 1, 2, 2, 3, 3, 4]
    assert Period.parse("2025-h1").end == date(2025, 6, 30)
    assert Period.parse(2025).capital_year == 2025 and Period.parse("2025-H1").capital_year == 2024
    with pytest.raises(Exception, match="period"):
        Period.parse("2025-Q3")
    with pytest.raises(Exception, match="quarter-end"):
        Period.parse("2026-06-29")
    q = Period.parse("2026-06-30")  # a reference date: 1 January to that date
    assert (q.start, q.end, q.interim, q.capital_year) == (
        date(2026, 1, 1),
        date(2026, 6, 30),
        True,
        2025,
    )
    assert (
        not Period.parse("2026-12-31").interim and Period.parse("2026-12-31").capital_year == 2026
    )
