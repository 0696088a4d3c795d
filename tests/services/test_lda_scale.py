"""LDA from the store at scale: each unit once, all cores, Dask, the parameter bootstrap.

Tolerances: Z = 4 standard errors of the (seeded, so deterministic) Monte Carlo figures, plus the
grid error bound the run states for its lattice units.
"""

from __future__ import annotations

import math
import sys
from datetime import date, timedelta

import numpy as np
import pytest
from click.testing import CliRunner

from oprisk.cli import main
from oprisk.domain import commands as c

Z = 4.0
KW = dict(uom="et", random_state=3, families=("lognormal",), threshold=10_000)


@pytest.fixture
def loaded(db):
    rng = np.random.default_rng(11)
    cmds = []
    for et, (mu, sigma), n in (("ET2", (10.5, 1.2), 300), ("ET7", (10.0, 1.0), 600)):
        x = np.exp(rng.normal(mu, sigma, n * 3))
        x = x[x >= 10_000][:n]
        for i, amount in enumerate(x):
            eid = f"{et}-{i}"
            day = date(2016, 1, 1) + timedelta(days=int(rng.integers(0, 3650)))
            cmds.append(
                c.ReportLossEvent(
                    event_id=eid,
                    actor="t",
                    title="t",
                    event_type=et,
                    business_line="BL3",
                    occurred_on=day,
                    discovered_on=day,
                    currency="EUR",
                )
            )
            cmds.append(
                c.RecordImpact(
                    event_id=eid,
                    actor="t",
                    amount=f"{amount:.2f}",
                    currency="EUR",
                    accounted_on=day,
                )
            )
    db.execute(cmds)
    return db


def test_auto_agrees_with_monte_carlo_and_computes_each_unit_once(loaded):
    auto = loaded.capital.lda(2025, n_simulations=200_000, method="auto", n_workers=2, **KW)
    mc = loaded.capital.lda(2025, n_simulations=200_000, method="mc", n_workers=2, **KW)
    assert {u.method for u in auto.units} == {"fft"} and {u.method for u in mc.units} == {"mc"}
    assert auto.monte_carlo_units == {}
    grid = sum(u.var_se for u in auto.units)  # Σ of the lattice units' stated VaR errors
    tol = Z * math.hypot(auto.portfolio_var_se, mc.portfolio_var_se) + grid
    assert abs(auto.portfolio_var - mc.portfolio_var) <= tol
    for a, m in zip(auto.units, mc.units, strict=True):
        assert abs(a.var - m.var) <= Z * m.var_se + a.var_se
    # the standalone figures come from the same simulation as the portfolio (not a second one)
    assert mc.sum_standalone_var == pytest.approx(sum(u.var for u in mc.units), rel=1e-12)


def test_same_figures_for_one_and_two_workers(loaded):
    one = loaded.capital.lda(2025, n_simulations=50_000, n_workers=1, bootstrap=4, **KW)
    two = loaded.capital.lda(
        2025, n_simulations=50_000, n_workers=2, bootstrap=4, bootstrap_simulations=100_000, **KW
    )
    d1, d2 = one.to_dict(), two.to_dict()
    assert d1["units"] == d2["units"] and d1["portfolio"] == d2["portfolio"]
    b1, b2 = one.bootstrap, two.bootstrap
    assert np.array_equal(b1.var, b2.var) and b1.failed == 0
    assert two.where == "processes" and two.n_workers == 2


def test_bootstrap_interval_brackets_the_figure(loaded):
    run = loaded.capital.lda(
        2025, n_simulations=100_000, bootstrap=40, bootstrap_simulations=20_000, **KW
    )
    b = run.bootstrap
    assert b.n_replicates == 40 and b.failed == 0 and len(set(b.var)) == 40
    assert b.lower < b.median < b.upper
    # 300 and 600 losses: the parameter uncertainty is much wider than one refit's MC error
    assert b.upper - b.lower > 4 * b.mc_se
    assert b.lower <= run.portfolio_var <= b.upper
    assert run.to_dict()["bootstrap"]["upper"] == b.upper


@pytest.fixture
def cluster():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=None,
        ) as lc,
        distributed.Client(lc) as client,
    ):
        yield lc, client


def test_dask_gives_the_local_figures(loaded, cluster):
    _, client = cluster
    kw = dict(n_simulations=50_000, bootstrap=3, bootstrap_simulations=10_000, **KW)
    local = loaded.capital.lda(2025, n_workers=2, **kw)
    dask = loaded.capital.lda(2025, scheduler=client, **kw)
    assert dask.where.startswith("dask tcp://127.0.0.1")
    assert dask.to_dict()["units"] == local.to_dict()["units"]
    assert dask.to_dict()["portfolio"] == local.to_dict()["portfolio"]
    assert np.array_equal(dask.bootstrap.var, local.bootstrap.var)


def test_cli_runs_on_a_scheduler_address(loaded, db_url, cluster):
    lc, _ = cluster
    args = ["--year", "2025", "--sims", "20000", "--threshold", "10000", "--uom", "et"]
    res = CliRunner().invoke(
        main, ["--db", db_url, "capital", "lda", *args, "--scheduler", lc.scheduler_address]
    )
    assert res.exit_code == 0, res.output
    assert f"(dask {lc.scheduler_address})" in res.output
    local = CliRunner().invoke(main, ["--db", db_url, "capital", "lda", *args, "--workers", "1"])
    assert local.exit_code == 0, local.output
    same = [ln for ln in res.output.splitlines() if ln.startswith("portfolio VaR")]
    assert same == [ln for ln in local.output.splitlines() if ln.startswith("portfolio VaR")]


def test_cli_without_dask_is_a_clear_error(loaded, db_url, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what an install without the extra sees
    res = CliRunner().invoke(
        main,
        ["--db", db_url, "capital", "lda", "--year", "2025", "--scheduler", "tcp://127.0.0.1:8786"],
    )
    assert res.exit_code != 0
    assert "pip install 'oprisk[dask]'" in res.output
    assert "Traceback" not in res.output


def test_cli_with_no_scheduler_there_is_a_clear_error(loaded, db_url):
    pytest.importorskip("distributed")
    res = CliRunner().invoke(
        main,
        ["--db", db_url, "capital", "lda", "--year", "2025", "--scheduler", "tcp://127.0.0.1:9"],
    )
    assert res.exit_code != 0
    assert "no Dask scheduler answered there" in res.output
    assert "Traceback" not in res.output


def test_a_group_takes_its_roots_classification_or_its_first_members(db):
    from oprisk.services.lda import loss_data

    def report(eid, et, bl="BL3", **kw):
        day = date(2024, 3, 1)
        return c.ReportLossEvent(
            event_id=eid,
            actor="t",
            title="t",
            event_type=et,
            business_line=bl,
            occurred_on=day,
            discovered_on=day,
            currency="EUR",
            **kw,
        )

    def impact(eid, amount):
        return c.RecordImpact(
            event_id=eid, actor="t", amount=amount, currency="EUR", accounted_on=date(2024, 4, 1)
        )

    db.execute(
        [
            report("R", "ET2"),
            impact("R", "50000"),
            report("M", "ET7", "BL1"),
            impact("M", "30000"),
            c.LinkLossEvent(event_id="M", actor="t", root_event_id="R"),
            report("NM", "ET4", near_miss=True),  # a near miss: left out, its member stays
            report("M2", "ET5", "BL2"),
            impact("M2", "40000"),
            c.LinkLossEvent(event_id="M2", actor="t", root_event_id="NM"),
            report("L", "ET6"),
            impact("L", "25000"),
        ]
    )
    data, _ = loss_data(db.capital.queries, 2025)
    rows = data.set_index("group_id")
    assert sorted(rows.index) == ["L", "NM", "R"]
    assert (rows.loc["R", "event_type_l1"], rows.loc["R", "business_line_l1"]) == ("ET2", "BL3")
    assert rows.loc["R", "gross_loss"] == 80_000 and rows.loc["R", "members"] == 2
    assert (rows.loc["NM", "event_type_l1"], rows.loc["NM", "business_line_l1"]) == ("ET5", "BL2")
    assert rows.loc["L", "event_type_l1"] == "ET6"


def test_the_run_reports_its_stages_and_is_silent_when_asked(loaded, monkeypatch):
    import io

    from oprisk.progress import progress

    out = io.StringIO()
    reporter = progress(True, stream=out, interval=0)  # off a terminal: status lines
    loaded.capital.lda(2025, **KW, n_simulations=20_000, n_workers=1, bootstrap=2,
                       bootstrap_simulations=5_000, progress=reporter)  # fmt: skip
    lines = out.getvalue().splitlines()
    for stage in ("reading the losses", "fitting 2 units", "aggregating 2 units, 20,000 years",
                  "bootstrap, 2 refits"):  # fmt: skip
        assert any(line.startswith(f"lda: {stage}: ") for line in lines), stage
    assert ": 4/4 (100%)" in lines[-1]
    monkeypatch.setenv("OPRISK_PROGRESS", "1")  # forced on, but progress=False (the default) wins
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    loaded.capital.lda(2025, **KW, n_simulations=20_000, n_workers=1)
    assert err.getvalue() == ""
