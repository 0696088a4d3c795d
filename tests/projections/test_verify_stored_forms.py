"""``verify`` compares what the driver reads back (issue 19): the chain is hashed from the stored
payload text, the read models as stored tuples. Stored text that spells the same content another
way is not a change (the slower value-by-value path decides); a changed value still is (SQLite
and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import text

from oprisk.domain import commands as c


def seed(db) -> None:  # type: ignore[no-untyped-def]
    cmds: list[c.Command] = [
        c.ReportLossEvent(event_id="E1", actor="ann", title="loss", event_type="ET7",
                          business_line="BL3", discovered_on=date(2024, 4, 1), currency="EUR"),
        c.RecordImpact(event_id="E1", actor="ann", amount="100", currency="EUR",
                       accounted_on=date(2024, 4, 2)),
    ]  # fmt: skip
    db.execute(cmds)
    db.record_fx_rate("USD", date(2024, 1, 1), "0.9", actor="fx")


def stored_payload(db, position: int) -> dict:  # type: ignore[no-untyped-def]
    with db.engine.connect() as conn:
        q = text("SELECT payload FROM events WHERE position = :p")
        value = conn.execute(q, {"p": position}).scalar_one()
    return value if isinstance(value, dict) else json.loads(value)


def test_a_payload_stored_in_another_spelling_still_verifies(db):
    seed(db)
    payload = stored_payload(db, 2)
    # the same content, keys in reverse order and with spaces: not the canonical text the hash
    # was computed from, so on SQLite the walk re-serialises it before it compares the hash
    spelled = json.dumps(dict(reversed(list(payload.items()))), indent=1)
    assert spelled != json.dumps(payload, sort_keys=True, separators=(",", ":"))
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_no_update"))
            conn.execute(
                text("UPDATE events SET payload = CAST(:p AS JSONB) WHERE position = 2"),
                {"p": spelled},
            )
        else:
            conn.execute(text("DROP TRIGGER events_no_update"))
            conn.execute(text("UPDATE events SET payload = :p WHERE position = 2"), {"p": spelled})
    report = db.verify()
    assert report.ok, str(report)
    with db.engine.begin() as conn:  # a changed amount in the same spelling is found
        changed = spelled.replace('"100"', '"101"')
        assert changed != spelled
        cast = "CAST(:p AS JSONB)" if db.dialect == "postgresql" else ":p"
        conn.execute(text(f"UPDATE events SET payload = {cast} WHERE position = 2"), {"p": changed})
    report = db.verify()
    assert [(p.kind, p.position) for p in report.problems if p.kind == "hash"] == [("hash", 2)]


def test_read_model_values_stored_in_another_spelling_are_no_drift(db):
    seed(db)
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":  # the same amount and time, written differently
            conn.execute(text("UPDATE ledger_lines SET amount = '100.000' WHERE position = 2"))
            stamp = conn.execute(text("SELECT recorded_at FROM fx_rates")).scalar_one()
            assert stamp.endswith(".000000")  # the test clock ticks in whole seconds
            conn.execute(text("UPDATE fx_rates SET recorded_at = :t"), {"t": stamp[:19]})
        else:
            conn.execute(text("UPDATE ledger_lines SET amount = 100.000 WHERE position = 2"))
    report = db.verify()
    assert report.ok, str(report)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_lines SET net_effect = -net_effect WHERE position = 2"))
        conn.execute(text("UPDATE fx_rates SET rate = 0.95"))
    report = db.verify()
    assert [p.kind for p in report.problems] == ["read_model", "read_model"], str(report)
    ledger, fx = (p.detail for p in report.problems)
    assert ledger.startswith("ledger_lines row {'position': 2}: net_effect is "), ledger
    assert fx.startswith("fx_rates row {'position': 3}: rate is "), fx
