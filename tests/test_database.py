"""The facade on both databases: commands, as-of queries (the two clocks), rebuild and verify."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from oprisk.api import connect
from oprisk.errors import (
    ConcurrencyError,
    ConfigurationError,
    CutoffError,
    EventNotFoundError,
    FourEyesError,
    InvalidLinkError,
    RecoveryExceedsLossError,
    SchemaError,
)


def report(db, eid="E1", **kw):
    fields = dict(
        title="Wire fraud",
        event_type="ET2.1",
        business_line="BL4",
        occurred_on=date(2024, 1, 5),
        discovered_on=date(2024, 1, 20),
        currency="EUR",
    )
    fields.update(kw)
    return db.report(eid, actor="ann", **fields)


def test_commands_return_the_facts_they_appended(db):
    recs = report(db)
    assert [r.event_type for r in recs] == ["loss_event.reported"]
    assert recs[0].meta["actor"] == "ann"
    recs = db.record_impact(
        "E1", actor="ann", amount="250000", currency="EUR", accounted_on=date(2024, 2, 1)
    )
    assert recs[0].payload["amount"] == "250000"


def test_two_clocks_reported_reclassified_second_impact(db, clock):
    """A loss reported at T1, reclassified at T2 and given a second impact at T3."""
    t1, t2, t3 = (datetime(2025, m, 1, 12, tzinfo=UTC) for m in (3, 6, 9))
    clock.jump(t1)
    report(db)
    db.record_impact(
        "E1", actor="ann", amount="100000", currency="EUR", accounted_on=date(2024, 12, 31)
    )
    clock.jump(t2)
    db.reclassify("E1", actor="bob", event_type="ET1.2", reason="an employee was involved")
    clock.jump(t3)
    db.record_impact(
        "E1",
        actor="ann",
        amount="40000",
        currency="EUR",
        accounted_on=date(2025, 8, 31),
        kind="cost",
    )

    at = {
        t: db.losses(as_of=t).set_index("event_id").loc["E1"]
        for t in (t1.replace(hour=13), t2.replace(hour=13), t3.replace(hour=13))
    }
    v1, v2, v3 = at.values()
    assert (v1.event_type, v1.gross_loss) == ("ET2.1", 100000.0)
    assert (v2.event_type, v2.cause, v2.gross_loss) == ("ET1.2", "people", 100000.0)
    assert (v3.event_type, v3.gross_loss) == ("ET1.2", 140000.0)
    # the business clock: only what was accounted by the end of 2024
    v = db.losses(accounted_until="2024-12-31").set_index("event_id").loc["E1"]
    assert v.gross_loss == 100000.0
    assert db.losses(as_of=0).empty  # position 0: before the first fact, asked explicitly
    with pytest.raises(
        CutoffError, match=r"before the first fact, recorded at 2025-03-01T12:00:01Z"
    ):
        db.losses(as_of=datetime(2025, 1, 1, tzinfo=UTC))
    # as a replay of the log prefix would give
    for t, row in at.items():
        state = db.state("E1", as_of=t)
        assert (state.event_type, float(state.gross_loss)) == (row.event_type, row.gross_loss)


def test_a_date_as_of_means_the_end_of_that_day(db, clock):
    clock.jump(datetime(2025, 5, 5, 23, 0, tzinfo=UTC))
    report(db)
    assert len(db.losses(as_of=date(2025, 5, 5))) == 1
    with pytest.raises(CutoffError, match="recorded at 2025-05-05T23:00:01Z"):
        db.losses(as_of="2025-05-04")
    assert db.position("2025-05-05") == 1


def test_relative_cutoffs_count_back_from_the_stores_clock(db, clock):
    clock.jump(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    report(db, "E1")  # recorded 08:00:01
    clock.jump(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))
    report(db, "E2")  # recorded 11:00:01; the next clock reading is 11:00:02
    assert db.position("2 hours ago") == 1  # 09:00:02: only E1 was known
    assert db.position("90 min ago") == 1
    assert db.position("now") == db.position("today") == 2
    with pytest.raises(CutoffError, match="recorded at 2026-03-02T08:00:01Z"):
        db.position("4 hours ago")
    with pytest.raises(CutoffError):
        db.position("yesterday")
    with pytest.raises(ConfigurationError, match=r"'N minutes\|hours\|days\|weeks ago'"):
        db.position("two hours ago")


def test_rejected_command_appends_nothing(db):
    report(db)
    db.record_impact("E1", actor="ann", amount="100", currency="EUR", accounted_on=date(2024, 2, 1))
    head = db.position()
    with pytest.raises(RecoveryExceedsLossError):
        db.record_recovery(
            "E1", actor="ann", amount="500", currency="EUR", accounted_on=date(2024, 3, 1)
        )
    db.submit("E1", actor="ann")
    with pytest.raises(FourEyesError):
        db.approve("E1", actor="ann")
    assert db.position() == head + 1
    assert db.verify().ok


def test_batch_is_atomic_unless_errors_are_collected(db):
    from oprisk.domain import commands as c

    good = c.ReportLossEvent(
        event_id="A",
        actor="l",
        title="t",
        event_type="ET7",
        business_line="BL3",
        discovered_on=date(2024, 1, 1),
        currency="EUR",
    )
    bad = c.ReportLossEvent(
        event_id="B",
        actor="l",
        title="t",
        event_type="ET9",
        business_line="BL3",
        discovered_on=date(2024, 1, 1),
        currency="EUR",
    )
    with pytest.raises(Exception, match="ET9"):
        db.execute([good, bad])
    assert db.position() == 0
    errors: list = []
    recs = db.execute([good, bad], errors=errors)
    assert [r.stream_id for r in recs] == ["A"] and errors[0][0] == 1


def test_stale_state_loses_the_race(db):
    report(db)
    from oprisk.domain import commands as c
    from oprisk.store.eventstore import Append, NewEvent

    with db.writing() as conn:  # another writer appends to E1 behind our back
        db.store.append_batch(
            conn, [Append("E1", "loss_event", [NewEvent("loss_event.closed", {"reason": ""})], 1)]
        )
    with pytest.raises(ConcurrencyError), db.writing() as conn:
        db.store.append_batch(
            conn,
            [Append("E1", "loss_event", [NewEvent("loss_event.reopened", {"reason": "x"})], 1)],
        )
    assert isinstance(c.CloseLossEvent(event_id="E1", actor="x"), c.Command)


def test_fx_conversion_uses_rates_known_at_the_cutoff(db):
    report(db, currency="USD")
    db.record_impact(
        "E1", actor="ann", amount="1000", currency="USD", accounted_on=date(2024, 6, 30)
    )
    assert pd.isna(db.losses().loc[0, "gross_loss_reporting"])
    db.record_fx_rate("USD", date(2024, 6, 28), "0.90", actor="fx")
    cut = db.position()
    db.record_fx_rate("USD", date(2024, 6, 30), "0.95", actor="fx")
    db.record_fx_rate(
        "USD", date(2024, 7, 1), "2.00", actor="fx"
    )  # after the accounting date: not used
    assert db.losses(as_of=cut).loc[0, "gross_loss_reporting"] == pytest.approx(900.0)
    assert db.losses().loc[0, "gross_loss_reporting"] == pytest.approx(950.0)
    exact = db.losses(exact=True)
    assert exact.loc[0, "gross_loss"] == Decimal("1000")


def test_losses_frame_has_categorical_taxonomy_and_labels(db):
    report(db, event_type="外部欺诈", business_line="零售银行")
    df = db.losses()
    assert isinstance(df.event_type.dtype, pd.CategoricalDtype)
    assert df.loc[0, "business_line_name"] == "Retail Banking"
    assert db.losses(lang="zh").loc[0, "event_type_name"] == "外部欺诈事件"


def test_history_lists_each_fact_with_its_actor(db):
    report(db)
    db.record_impact("E1", actor="ann", amount="10", currency="EUR", accounted_on=date(2024, 2, 1))
    db.reclassify("E1", actor="bob", business_line="BL3")
    h = db.history("E1")
    assert list(h.fact) == [
        "loss_event.reported",
        "loss_event.impact_recorded",
        "loss_event.reclassified",
    ]
    assert list(h.actor) == ["ann", "ann", "bob"]
    assert list(h.valid_to_position.iloc[:2]) == [2, 3] and pd.isna(h.valid_to_position.iloc[2])
    with pytest.raises(EventNotFoundError):
        db.history("nope")


def test_links_group_losses_under_one_root(db):
    report(db, "R")
    report(db, "C1")
    report(db, "C2")
    db.link("C1", "R", actor="ann")
    with pytest.raises(InvalidLinkError, match="reported"):
        db.link("C2", "missing", actor="ann")
    with pytest.raises(InvalidLinkError, match="itself linked"):
        db.link("C2", "C1", actor="ann")
    with pytest.raises(InvalidLinkError, match="root of a group"):
        db.link("R", "C2", actor="ann")
    assert db.losses().set_index("event_id").root_event_id.fillna("-").to_dict() == {
        "C1": "R",
        "C2": "-",
        "R": "-",
    }


def test_rebuild_gives_identical_tables_and_verify_is_clean(db):
    report(db)
    db.record_impact("E1", actor="ann", amount="10", currency="EUR", accounted_on=date(2024, 2, 1))
    db.record_fx_rate("USD", date(2024, 1, 1), "0.9", actor="fx")
    db.record_financials(
        {
            "legal_entity": "Bank AG",
            "year": 2024,
            "item": "gross_income",
            "business_line": "BL3",
            "amount": "-12.5",
        },
        actor="fin",
    )
    before = db.losses(), db.history("E1").drop(columns=["payload"]), db.financials()
    db.rebuild()
    after = db.losses(), db.history("E1").drop(columns=["payload"]), db.financials()
    for b, a in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(b, a)
    assert db.verify().ok


def test_financial_revisions_latest_wins_as_of(db):
    db.record_financials(
        {"legal_entity": "B", "year": 2024, "item": "gross_income", "amount": "100"}, actor="f"
    )
    cut = db.position()
    db.record_financials(
        {"legal_entity": "B", "year": 2024, "item": "gross_income", "amount": "120"}, actor="f"
    )
    assert db.financials(as_of=cut).amount.tolist() == [Decimal("100")]
    assert db.financials().amount.tolist() == [Decimal("120")]


@pytest.mark.parametrize(
    "empty_db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_schema_behind_is_refused(empty_db_url):
    with pytest.raises(SchemaError, match="oprisk db upgrade"):
        connect(empty_db_url)


def test_embedded_database_is_migrated_on_connect(tmp_path):
    db = connect(f"sqlite:///{tmp_path / 'new.db'}")
    assert db.position() == 0
    db.close()
