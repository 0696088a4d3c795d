"""``losses()`` filtered in the database equals the full frame filtered with pandas, on both
databases; an unknown code is a clear error naming the known ones."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from oprisk.domain.taxonomy import EVENT_TYPES
from oprisk.errors import ConfigurationError, UnknownTaxonomyError

ET2 = [c for c in EVENT_TYPES.codes() if "." in c]
COLUMNS = ["external_id", "title", "event_type", "event_type_l2", "business_line", "legal_entity",
           "discovered_on", "accounted_on", "currency", "gross_loss", "recovery_other"]  # fmt: skip


def register(path: Path, n: int, prefix: str, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i in range(n):
            et = ET2[int(rng.integers(0, len(ET2)))]
            year = int(rng.integers(2022, 2026))
            gross = int(rng.integers(1000, 90000))
            w.writerow([
                f"{prefix}-{i}", f"Loss {i}", et[:3], et, f"BL{int(rng.integers(1, 10))}",
                ["Bank AG", "Bank Asia Ltd"][int(rng.integers(0, 2))], f"{year}-01-05",
                f"{year}-{int(rng.integers(1, 13)):02d}-20", "EUR", gross, gross // 4 if i % 3 else 0,
            ])  # fmt: skip
    return path


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal frames; a text column that is NULL throughout is ``object`` holding ``None`` in a
    frame read with it so (``columns.text_series``), which is the only dtype allowed to differ."""
    want = want.reset_index(drop=True)
    assert list(got.columns) == list(want.columns) and len(got) == len(want)
    for col in got.columns:
        a, b = got[col], want[col]
        if a.isna().all() and b.isna().all():
            continue
        pd.testing.assert_series_equal(a, b, check_names=True, obj=col)


FILTERS = [
    {"business_line": "BL3", "year": 2024},
    {"event_type": "ET2"},
    {"event_type": ["ET4.1", "ET7"], "legal_entity": "Bank AG"},
    {"business_line": "Retail Banking"},
    {"source": "BRANCH", "year": 2025},
    {"legal_entity": ["Bank AG", "Bank Asia Ltd"], "year": 2023, "event_type": "ET1"},
    {"year": 2030},
]


def pandas_filter(full: pd.DataFrame, f: dict) -> pd.DataFrame:
    keep = pd.Series(True, index=full.index)
    if "business_line" in f:
        keep &= full.business_line_l1 == {"Retail Banking": "BL3"}.get(f["business_line"], f["business_line"])  # fmt: skip
    if "event_type" in f:
        codes = [f["event_type"]] if isinstance(f["event_type"], str) else f["event_type"]
        keep &= full.event_type.astype(str).isin(codes) | full.event_type_l1.astype(str).isin(codes)  # fmt: skip
    if "legal_entity" in f:
        ents = [f["legal_entity"]] if isinstance(f["legal_entity"], str) else f["legal_entity"]
        keep &= full.legal_entity.isin(ents)
    if "source" in f:
        keep &= full.source == f["source"]
    if "year" in f:
        keep &= full.first_accounted_on.dt.year == f["year"]
    return full[keep]


def test_filters_in_the_database_equal_pandas_filters(db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db.load(register(tmp_path / "grc.csv", 60, "G", 1), kind="incidents", source="GRC", actor="l", progress=False)  # fmt: skip
    db.load(register(tmp_path / "br.csv", 30, "B", 2), kind="incidents", source="BRANCH", actor="l", progress=False)  # fmt: skip
    cut = db.position()
    db.withdraw("GRC:G-1", actor="l", reason="duplicate")
    for until in (None, "2024-06-30"):
        for kw in ({}, {"include_withdrawn": True}, {"as_of": cut}):
            full = db.losses(accounted_until=until, **kw)
            for f in FILTERS:
                got = db.losses(accounted_until=until, **kw, **f)
                want = pandas_filter(full, f)
                same(got, want)
                assert got.attrs == full.attrs
    assert len(db.losses(business_line="BL3", year=2024)) > 0  # the filters are not vacuous


def test_unknown_codes_and_years_are_clear_errors(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownTaxonomyError, match="ET99") as err:
        db.losses(event_type="ET99")
    assert "ET7" in str(err.value)
    with pytest.raises(UnknownTaxonomyError, match="BL10"):
        db.losses(business_line=["BL3", "BL10"])
    with pytest.raises(ConfigurationError, match="invalid value '2024' for 'year'"):
        db.losses(year="2024")
