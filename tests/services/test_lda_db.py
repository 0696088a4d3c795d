"""LDA from the store on both databases: units of measure, thin units, cut-off reproducibility."""

from datetime import date, timedelta

import numpy as np
import pytest

from oprisk.domain import commands as c
from oprisk.errors import InsufficientDataError


def load(db, n_per_unit, rng, start=date(2016, 1, 1)):
    cmds = []
    for et, (mu, sigma), n in (
        ("ET2", (10.5, 1.2), n_per_unit),
        ("ET7", (10.0, 1.0), n_per_unit),
        ("ET5", (11.0, 1.0), 5),
    ):
        x = np.exp(rng.normal(mu, sigma, n * 3))
        x = x[x >= 10_000][:n]
        for i, amount in enumerate(x):
            eid = f"{et}-{i}"
            day = start + timedelta(days=int(rng.integers(0, 3650)))
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


def test_lda_from_the_store(db):
    rng = np.random.default_rng(7)
    load(db, 300, rng)
    kw = dict(
        uom="et",
        n_simulations=20_000,
        random_state=3,
        families=("lognormal",),
        method="mc",
        threshold=10_000,  # the data are collected from 10,000 (the default is 20,000)
    )
    run = db.capital.lda(2025, **kw)
    units = {u.unit: u for u in run.units}
    assert set(units) == {"ET2", "ET7"}
    assert list(run.thin_units.unit) == ["ET5"]  # 5 losses: listed with a pooling hint, not fitted
    assert units["ET7"].params["mu"] == pytest.approx(10.0, abs=0.35)
    assert units["ET7"].frequency == pytest.approx(30.0, rel=0.01)  # 300 losses over 10 years
    assert run.portfolio_var <= run.sum_standalone_var
    text = repr(run)  # one line with the headline figure; per-unit content behind summary()
    assert len(text) < 1000 and f"VaR 99.9% {run.portfolio_var:,.0f} EUR" in text
    # the same cut-off and seed give the same figures after more facts arrive
    cut = db.position()
    db.report(
        "LATE",
        actor="t",
        title="late",
        event_type="ET7",
        business_line="BL3",
        discovered_on=date(2025, 6, 1),
        currency="EUR",
    )
    db.record_impact(
        "LATE", actor="t", amount="90000000", currency="EUR", accounted_on=date(2025, 6, 2)
    )
    again = db.capital.lda(2025, as_of=cut, **kw)
    assert again.to_dict()["units"] == run.to_dict()["units"]
    now = db.capital.lda(2025, **kw)
    assert {u.unit: u.n for u in now.units}["ET7"] == units["ET7"].n + 1


def test_lda_without_enough_data_is_a_clear_error(db):
    load(db, 3, np.random.default_rng(1))
    with pytest.raises(InsufficientDataError, match="no unit of measure has 30 losses"):
        db.capital.lda(2025, uom="et", n_simulations=1000)
