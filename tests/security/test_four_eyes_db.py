"""Four eyes on a real database: requests are pending (and visible) until a second actor approves
them, the loader only requests exclusions, and the approval threshold keeps unapproved large
events out of capital and the C 17 data — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from oprisk.domain import commands as c
from oprisk.errors import FourEyesError

HEADER = (
    "external_id,title,event_type,business_line,legal_entity,occurred_on,discovered_on,"
    "accounted_on,currency,gross_loss,exclusion_reference\n"
)


def test_the_loader_records_an_exclusion_only_as_a_request(db, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text(
        HEADER
        + "INC-1,Fraud,ET2,BL3,Bank AG,2021-01-05,2021-01-10,2021-02-01,EUR,900000,SUP-7\n"
        + "INC-2,Error,ET7,BL3,Bank AG,2021-03-05,2021-03-10,2021-04-01,EUR,300000,\n",
        encoding="utf-8",
    )
    db.load(path, kind="incidents", source="GRC", actor="loader", progress=False)
    rows = db.losses().set_index("event_id")
    assert rows.loc["GRC:INC-1", "pending"] == "exclusion"
    assert not rows.loc["GRC:INC-1", "excluded"] and pd_none(
        rows.loc["GRC:INC-1", "exclusion_reference"]
    )
    # capital's loss data still counts the event: the exclusion is not effective
    data = db.capital.loss_data(2021, years=1).set_index("event_id")
    assert not data.loc["GRC:INC-1", "excluded"]
    # loading the same file again asks for nothing new
    again = db.load(path, kind="incidents", source="GRC", actor="loader", progress=False)
    assert again.facts_appended == 0 and again.unchanged == 2
    # the loader (the requester) cannot approve; another actor can
    with pytest.raises(FourEyesError):
        db.approve_request("GRC:INC-1", actor="LOADER")
    db.approve_request("GRC:INC-1", actor="reviewer")
    rows = db.losses().set_index("event_id")
    assert (
        rows.loc["GRC:INC-1", "excluded"]
        and rows.loc["GRC:INC-1", "exclusion_reference"] == "SUP-7"
    )
    assert pd_none(rows.loc["GRC:INC-1", "pending"])
    data = db.capital.loss_data(2021, years=1).set_index("event_id")
    assert data.loc["GRC:INC-1", "excluded"]
    history = db.history("GRC:INC-1")
    assert list(history.fact)[-3:] == [
        "loss_event.exclusion_requested",
        "loss_event.request_approved",
        "loss_event.excluded",
    ]
    assert list(history.actor)[-3:] == ["loader", "reviewer", "reviewer"]
    assert db.verify().ok


def pd_none(value) -> bool:
    return value is None or value != value  # None or NaN


def report(db, eid, amount, *, currency="EUR", approve=False, on=date(2025, 3, 1)):
    db.report(
        eid, actor="ann", title=eid, event_type="ET7", business_line="BL3",
        legal_entity="Bank AG", occurred_on=on, discovered_on=on, currency=currency,
    )  # fmt: skip
    db.record_impact(eid, actor="ann", amount=amount, currency=currency, accounted_on=on)
    if approve:
        db.submit(eid, actor="ann")
        db.approve(eid, actor="bob")


@pytest.fixture
def threshold_set(db):
    """Threshold EUR 100,000. By hand, gross loss in EUR (USD at 0.90):

    A 150,000 unapproved → awaits approval     B  80,000 unapproved → counts (below)
    C 120,000 USD = 108,000 EUR unapproved → awaits         D 400,000 approved → counts
    E 200,000 approved, then +10,000 → back to review → awaits
    F 101,000 GBP and no GBP rate → cannot be shown below the threshold → awaits
    """
    db.record_fx_rate("USD", date(2025, 1, 1), "0.90", actor="fx")
    report(db, "A", "150000")
    report(db, "B", "80000")
    report(db, "C", "120000", currency="USD")
    report(db, "D", "400000", approve=True)
    report(db, "E", "200000", approve=True)
    report(db, "F", "101000", currency="GBP")
    before = db.position()
    db.set_approval_threshold("100000", "EUR", actor="head.of.risk")
    db.record_impact(
        "E", actor="carl", amount="10000", currency="EUR", accounted_on=date(2025, 4, 1)
    )
    return before


def test_events_above_the_threshold_count_only_once_approved(db, threshold_set):
    awaiting = db.losses().set_index("event_id").awaiting_approval
    assert sorted(awaiting[awaiting].index) == ["A", "C", "E", "F"]
    assert db.state("E").status == "submitted"  # the +10,000 sent it back to review
    # capital's loss data leaves them out, and says so
    data = db.capital.loss_data(2025, years=1, currency="EUR")
    assert sorted(data.event_id) == ["B", "D"]
    assert sum(data.net_loss) == Decimal("480000")  # 80,000 + 400,000
    assert "4 loss event(s) above the approval threshold" in " ".join(data.attrs["notes"])
    # the C 17 data too: C 17.02 lists events ≥ 100,000 in scope, only D is approved
    assert list(db.reports.c17_02("2025").index) == ["D"]
    # approved by a second actor, they count
    db.submit("A", actor="ann")
    db.approve("A", actor="bob")
    db.submit("C", actor="ann")
    db.approve("C", actor="bob")
    db.approve("E", actor="bob")
    assert sorted(db.capital.loss_data(2025, years=1).event_id) == ["A", "B", "C", "D", "E"]
    assert sorted(db.reports.c17_02("2025").index) == ["A", "C", "D", "E"]


def test_the_threshold_is_a_fact_known_from_its_position(db, threshold_set):
    # at a cut-off before the threshold was set nothing waited
    assert not db.losses(as_of=threshold_set).awaiting_approval.any()
    db.set_approval_threshold(None, actor="head.of.risk")  # off again
    assert not db.losses().awaiting_approval.any()
    assert db.verify().ok


def test_without_a_threshold_status_does_not_decide_what_counts(db):
    report(db, "A", "150000")
    db.execute([c.SubmitLossEvent(event_id="A", actor="ann")])
    assert not db.losses().awaiting_approval.any()
    assert list(db.capital.loss_data(2025, years=1).event_id) == ["A"]
