"""Property: for any file, rows read = loaded + changed + unchanged + rejected, and a re-load appends nothing."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oprisk.api import Database, connect
from oprisk.ingest.load import LoadReport

TODAY = date(2025, 6, 30)
IDS = ["A", "B", "C", "D", "E", "F", " ", "A"]
COLUMNS = [
    "external_id", "title", "event_type", "business_line", "legal_entity", "occurred_on",
    "discovered_on", "accounted_on", "currency", "gross_loss", "recovery_insurance",
    "recovery_other", "gain", "root_external_id", "deleted", "exclusion_reference",
]  # fmt: skip

row_strategy = st.fixed_dictionaries(
    {
        "external_id": st.sampled_from(IDS),
        "title": st.sampled_from(["", "Fraud", "Outage", "Outage (renamed)"]),
        "event_type": st.sampled_from(["ET2", "ET7.1", "ET4", "Bogus"]),
        "business_line": st.sampled_from(["BL3", "BL5", "Retail Banking"]),
        "legal_entity": st.sampled_from(["Bank", "Bank", ""]),
        "occurred_on": st.sampled_from(["2024-01-01", "", "2024-06-01"]),
        "discovered_on": st.sampled_from(["2024-02-01", "2024-07-01", "2024-02-30"]),
        "accounted_on": st.sampled_from(["", "2024-03-31", "2023-12-31", "2024-09-30"]),
        "currency": st.sampled_from(["EUR", "EUR", "USD"]),
        "gross_loss": st.sampled_from(["0", "100", "250.5", "1000", "-5", "lots"]),
        "recovery_insurance": st.sampled_from(["0", "0", "10", "400"]),
        "recovery_other": st.sampled_from(["", "0", "5", "2000"]),
        "gain": st.sampled_from(["", "no", "yes"]),
        "root_external_id": st.sampled_from(["", "", "", "A", "B", "Z"]),
        "deleted": st.sampled_from(["no", "no", "no", "yes"]),
        "exclusion_reference": st.sampled_from(["", "", "", "SUP-1"]),
    }
)
files_strategy = st.lists(st.lists(row_strategy, max_size=12), min_size=1, max_size=3)


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def check(db: Database, path: Path, batch_size: int) -> LoadReport:
    report = db.load(path, source="src", batch_size=batch_size, today=TODAY, progress=False)
    assert report.rows_read == report.loaded + report.changed + report.unchanged + report.rejected
    assert report.skipped == 0 and report.rejected == len(report.rejects)
    pos = db.position()
    again = db.load(path, source="src", batch_size=batch_size, today=TODAY, progress=False)
    assert db.position() == pos, "re-loading the same file appended facts"
    assert (again.loaded, again.changed, again.facts_appended) == (0, 0, 0)
    assert again.rows_read == again.unchanged + again.rejected
    return report


def run_versions(
    db: Database, folder: Path, versions: list[list[dict[str, str]]], batch: int
) -> None:
    for rows in versions:
        check(db, write(folder / "src.csv", rows), batch)
    assert db.verify().ok


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "template.db"
    connect(f"sqlite:///{path}").close()  # migrated on open
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(versions=files_strategy, batch=st.sampled_from([1, 3, 1000]))
def test_counts_add_up_and_reloading_appends_nothing_sqlite(
    template: Path, tmp_path_factory: pytest.TempPathFactory, versions: list, batch: int
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    shutil.copy(template, folder / "db.db")
    with connect(f"sqlite:///{folder / 'db.db'}") as db:
        run_versions(db, folder, versions, batch)


@pytest.fixture
def pg_dbs(pg_server) -> Iterator[tuple[object, list[str]]]:  # type: ignore[no-untyped-def]
    if pg_server is None:
        pytest.skip("PostgreSQL is not reachable")
    urls: list[str] = []
    yield pg_server, urls
    for url in urls:
        pg_server.drop(url)


@pytest.mark.postgres
@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(versions=files_strategy)
def test_counts_add_up_and_reloading_appends_nothing_postgresql(
    pg_dbs: tuple, tmp_path_factory: pytest.TempPathFactory, versions: list
) -> None:
    server, urls = pg_dbs
    url = server.create()
    urls.append(url)
    with connect(url) as db:
        run_versions(db, tmp_path_factory.mktemp("pgprop"), versions, 3)
