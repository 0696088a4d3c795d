"""Event log, log head, read models; append-only triggers on the event table.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from oprisk.store.schema import Amount, Json

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

PG_TRIGGERS = """
CREATE OR REPLACE FUNCTION oprisk_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the events table is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION oprisk_events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION oprisk_events_append_only();
"""

SQLITE_TRIGGERS = [
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'the events table is append-only: UPDATE refused'); END",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'the events table is append-only: DELETE refused'); END",
]


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("stream_type", sa.String(50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("meta", Json, nullable=False),
        sa.Column("idempotency_key", sa.String(300), nullable=True),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_events"),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
        sa.UniqueConstraint("idempotency_key", name="uq_events_idempotency_key"),
    )
    op.create_index("ix_events_recorded_at", "events", ["recorded_at"])
    op.create_index("ix_events_stream_type_position", "events", ["stream_type", "position"])

    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_log_head"),
    )
    op.execute("INSERT INTO log_head (id, position) VALUES (1, 0)")

    op.create_table(
        "loss_event_versions",
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("valid_from_position", sa.BigInteger(), nullable=False),
        sa.Column("valid_to_position", sa.BigInteger(), nullable=True),
        sa.Column("valid_from_time", TS, nullable=False),
        sa.Column("valid_to_time", TS, nullable=True),
        sa.Column("fact", sa.String(100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("event_type", sa.String(10), nullable=False),
        sa.Column("event_type_l1", sa.String(10), nullable=False),
        sa.Column("cause", sa.String(20), nullable=False),
        sa.Column("business_line", sa.String(10), nullable=False),
        sa.Column("business_line_l1", sa.String(10), nullable=False),
        sa.Column("legal_entity", sa.String(200), nullable=False),
        sa.Column("lei", sa.String(20), nullable=True),
        sa.Column("org_unit", sa.String(200), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("discovered_on", sa.Date(), nullable=True),
        sa.Column("first_accounted_on", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("near_miss", sa.Boolean(), nullable=False),
        sa.Column("gain", sa.Boolean(), nullable=False),
        sa.Column("credit_boundary", sa.Boolean(), nullable=False),
        sa.Column("market_boundary", sa.Boolean(), nullable=False),
        sa.Column("legal", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(100), nullable=True),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("root_event_id", sa.String(200), nullable=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("exclusion_reference", sa.String(200), nullable=True),
        sa.Column("gross_loss", Amount(), nullable=False),
        sa.Column("recoveries_insurance", Amount(), nullable=False),
        sa.Column("recoveries_other", Amount(), nullable=False),
        sa.Column("recoveries_receivable", Amount(), nullable=False),
        sa.Column("net_loss", Amount(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "version", name="pk_loss_event_versions"),
    )
    op.create_index(
        "ix_loss_event_versions_valid_from_position", "loss_event_versions", ["valid_from_position"]
    )
    op.create_index(
        "ix_loss_event_versions_valid_to_position", "loss_event_versions", ["valid_to_position"]
    )
    op.create_index(
        "ix_loss_event_versions_source_external_id",
        "loss_event_versions",
        ["source", "external_id"],
    )

    op.create_table(
        "ledger_lines",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(200), nullable=False),
        sa.Column("line_type", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", Amount(), nullable=False),
        sa.Column("gross_effect", Amount(), nullable=False),
        sa.Column("net_effect", Amount(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("accounted_on", sa.Date(), nullable=False),
        sa.Column("received", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_ledger_lines"),
    )
    op.create_index("ix_ledger_lines_event_id", "ledger_lines", ["event_id"])
    op.create_index("ix_ledger_lines_accounted_on", "ledger_lines", ["accounted_on"])

    op.create_table(
        "fx_rates",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("quote", sa.String(3), nullable=False),
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("rate", Amount(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_fx_rates"),
    )
    op.create_index("ix_fx_rates_pair_date", "fx_rates", ["currency", "quote", "rate_date"])

    op.create_table(
        "financial_items",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("legal_entity", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(40), nullable=False),
        sa.Column("business_line", sa.String(10), nullable=False),
        sa.Column("amount", Amount(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_financial_items"),
    )
    op.create_index(
        "ix_financial_items_key",
        "financial_items",
        ["legal_entity", "year", "item", "business_line"],
    )

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(PG_TRIGGERS)
    elif bind.dialect.name == "sqlite":
        for ddl in SQLITE_TRIGGERS:
            op.execute(ddl)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
        op.execute("DROP TRIGGER IF EXISTS events_no_update ON events")
        op.execute("DROP FUNCTION IF EXISTS oprisk_events_append_only()")
    for table in (
        "financial_items",
        "fx_rates",
        "ledger_lines",
        "loss_event_versions",
        "log_head",
        "events",
    ):
        op.drop_table(table)
