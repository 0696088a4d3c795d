"""``oprisk review``: what awaits a second actor, approving and rejecting it, and the four-eyes
refusal of the actor who asked — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner

from oprisk.api import connect
from oprisk.cli import main


def run(url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--db", url, *args])


def _report(db, eid: str, amount: str, *, approve: bool = False) -> None:  # type: ignore[no-untyped-def]
    on = date(2025, 3, 1)
    db.report(eid, actor="ann", title=eid, event_type="ET7", business_line="BL3",
              legal_entity="Bank AG", occurred_on=on, discovered_on=on, currency="EUR")  # fmt: skip
    db.record_impact(eid, actor="ann", amount=amount, currency="EUR", accounted_on=on)
    db.submit(eid, actor="ann")
    if approve:
        db.approve(eid, actor="bob")


def test_review_lists_approves_and_rejects(db_url: str) -> None:
    with connect(db_url) as db:
        _report(db, "A", "150000")  # submitted: awaits approval
        _report(db, "B", "90000", approve=True)  # approved: nothing waits
        _report(db, "C", "70000", approve=True)
        db.withdraw("C", actor="ann", reason="duplicate of B")  # approved → a pending withdrawal
        _report(db, "D", "40000")
    listed = json.loads(run(db_url, "--json", "review", "list").output)
    assert [(r["event_id"], r["status"], r["pending"]) for r in listed] == [
        ("A", "submitted", None),
        ("C", "approved", "withdrawal"),
        ("D", "submitted", None),
    ]
    # the actor who asked cannot decide (four eyes): exit 2, a clear message, no traceback
    refused = run(db_url, "review", "approve", "C", "--actor", "ANN")
    assert refused.exit_code == 2 and "Traceback" not in refused.output + refused.stderr
    ok = run(db_url, "review", "approve", "C", "--actor", "carl")
    assert ok.exit_code == 0 and "C: approved the withdrawal by carl" in ok.output
    assert run(db_url, "review", "approve", "A", "--actor", "bob").exit_code == 0
    no = run(db_url, "review", "reject", "D", "--actor", "bob", "--reason", "no evidence")
    assert no.exit_code == 0 and "D: rejected the event by bob" in no.output
    nothing = run(db_url, "review", "approve", "B", "--actor", "carl")
    assert nothing.exit_code == 2 and "nothing awaiting approval" in nothing.stderr
    assert json.loads(run(db_url, "--json", "review", "list").output) == []
    with connect(db_url) as db:
        states = {e: db.state(e).status for e in "ABCD"}
        assert states == {"A": "approved", "B": "approved", "C": "withdrawn", "D": "rejected"}
        assert db.history("C").actor.iloc[-1] == "carl"
