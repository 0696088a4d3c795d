"""``oprisk capital icaap`` on both databases: table, JSON equal to the API's, plot file, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from tests.services.test_icaap_db import SCENARIO, _assessment, _external, _losses

from oprisk.cli import main

ARGS = [
    "--sims",
    "5000",
    "--seed",
    "4",
    "--threshold",
    "10000",
    "--bank-size",
    "5e9",
    "--year",
    "2025",
]


@pytest.fixture
def url(db, db_url):
    rng = np.random.default_rng(5)
    _losses(db, rng)
    _external(db, rng, 20)
    db.record_scenario("SC-ET7-BL3", actor="anna", **SCENARIO)
    db.approve_scenario("SC-ET7-BL3", actor="ben")
    db.record_assessment(_assessment("BL3"), unit="BL3", actor="ic", assessed_on="2025-06-30")
    return db_url


def run(url: str, *args: str):
    return CliRunner().invoke(main, ["--db", url, "capital", "icaap", *args])


@pytest.mark.filterwarnings("ignore::oprisk.errors.DataQualityWarning")
def test_json_is_the_api_result_and_the_table_its_attribution(url, db, tmp_path):
    res = run(url, *ARGS, "--stress", "freq=1.5,sev=1.2", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    api = db.capital.icaap(
        sims=5000, seed=4, threshold=10000, bank_size=5e9, year=2025, stress="freq=1.5,sev=1.2"
    )
    assert out["attribution"] == json.loads(json.dumps(api.to_dict()["attribution"]))
    assert [r["stage"] for r in out["attribution"]] == [
        "ild",
        "external",
        "scenarios",
        "beicf",
        "stress",
    ]
    png = tmp_path / "w.png"
    res = run(url, *ARGS, "--units", "--plot", str(png))
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = res.stdout.splitlines()
    assert lines[0].startswith("ICAAP 2025: cut-off position") and "+ BEICF" in res.stdout
    assert f"{api.total.set_index('stage').at['ild', 'var']:,.0f}" in res.stdout
    assert "BL3×ET7" in res.stdout  # --units


@pytest.mark.filterwarnings("ignore::oprisk.errors.DataQualityWarning")
def test_errors_exit_2_with_one_line(url):
    for args, text in [
        ((*ARGS, "--stress", "size=2"), "must be freq=<x> or sev=<x>"),
        (("--sims", "1000", "--threshold", "10000"), "'bank_size'"),
        ((*ARGS, "--beicf-bounds", "1.2,0.8"), "must not exceed upper"),
    ]:
        res = run(url, *args)
        assert res.exit_code == 2, (args, res.output)
        assert (
            res.stderr.count("\n") == 1 and res.stderr.startswith("error: ") and text in res.stderr
        ), res.stderr
