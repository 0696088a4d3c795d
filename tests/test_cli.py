"""The core CLI on both databases: db upgrade, losses, history, verify."""

import json
from datetime import date

import pytest
from click.testing import CliRunner

from oprisk.api import connect
from oprisk.cli import main
from oprisk.store.migrate import head_revision

BOTH = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("empty_db_url", BOTH, indirect=True)
def test_db_upgrade_then_losses_history_verify(empty_db_url):
    run = CliRunner()
    up = run.invoke(main, ["--db", empty_db_url, "db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert f"→ {head_revision()}" in up.output
    db = connect(empty_db_url)
    db.report(
        "E1",
        actor="ann",
        title="损失 one",
        event_type="ET7",
        business_line="BL3",
        occurred_on=date(2025, 1, 1),
        discovered_on=date(2025, 1, 2),
        currency="EUR",
    )
    db.record_impact(
        "E1", actor="ann", amount="1234.50", currency="EUR", accounted_on=date(2025, 1, 3)
    )
    db.close()

    out = run.invoke(main, ["--db", empty_db_url, "losses", "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert rows[0]["event_id"] == "E1" and rows[0]["discovered_on"] == "2025-01-02"
    assert rows[0]["gross_loss"] == 1234.5 and rows[0]["title"] == "损失 one"

    csv = run.invoke(main, ["--db", empty_db_url, "losses", "--csv", "--as-of", "1"])
    assert csv.exit_code == 0 and csv.output.splitlines()[1].startswith("E1,")
    assert ",0.0," in csv.output  # as known at position 1: reported, no impact yet

    hist = run.invoke(main, ["--db", empty_db_url, "history", "E1"])
    assert hist.exit_code == 0 and "loss_event.impact_recorded" in hist.output

    ok = run.invoke(main, ["--db", empty_db_url, "verify", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output)["ok"] is True


def test_unknown_event_and_bad_cutoff_are_one_line_errors(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    run = CliRunner()
    missing = run.invoke(main, ["--db", url, "history", "nope"])
    assert (
        missing.exit_code == 2 and "error:" in missing.output and "Traceback" not in missing.output
    )
    bad = run.invoke(main, ["--db", url, "losses", "--as-of", "yesterday"])
    assert bad.exit_code == 2 and "as_of" in bad.output
