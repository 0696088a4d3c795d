"""Table definitions (SQLAlchemy Core). Alembic owns the schema; these mirror it for queries.

One :data:`metadata` holds the event log and the read models so that ``alembic check`` can
compare the whole schema with the migrations.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

Json = JSON().with_variant(JSONB(), "postgresql")


class Amount(TypeDecorator[Decimal]):
    """An exact decimal: ``NUMERIC(28, 8)`` on PostgreSQL, text on SQLite (whose NUMERIC is a float)."""

    impl = Numeric(28, 8)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(28, 8))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        d = value if isinstance(value, Decimal) else Decimal(str(value))
        return format(d, "f") if dialect.name == "sqlite" else d

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


UTCDateTime = DateTime(timezone=True)

events = Table(
    "events",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("stream_id", String(200), nullable=False),
    Column("stream_type", String(50), nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("payload", Json, nullable=False),
    Column("meta", Json, nullable=False),
    Column("idempotency_key", String(300), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    UniqueConstraint("idempotency_key", name="uq_events_idempotency_key"),
    Index("ix_events_recorded_at", "recorded_at"),
    Index("ix_events_stream_type_position", "stream_type", "position"),
)

#: The hash of an empty log: the predecessor of the first fact in every chain.
GENESIS = "0" * 64

#: One row (id = 1): the head of the log (its last position, time and global hash). Appends lock
#: it, so positions are gap-free and become visible in commit order; a trigger keeps it pointing
#: at the last fact.
log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=True),
    Column("hash", String(64), nullable=False, server_default=GENESIS),
)

# --- read models ------------------------------------------------------------------------------

loss_event_versions = Table(
    "loss_event_versions",
    metadata,
    Column("event_id", String(200), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("valid_from_position", BigInteger, nullable=False),
    Column("valid_to_position", BigInteger, nullable=True),
    Column("valid_from_time", UTCDateTime, nullable=False),
    Column("valid_to_time", UTCDateTime, nullable=True),
    Column("fact", String(100), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("event_type", String(10), nullable=False),
    Column("event_type_l1", String(10), nullable=False),
    Column("cause", String(20), nullable=False),
    Column("business_line", String(10), nullable=False),
    Column("business_line_l1", String(10), nullable=False),
    Column("legal_entity", String(200), nullable=False),
    Column("lei", String(20), nullable=True),
    Column("org_unit", String(200), nullable=False),
    Column("occurred_on", Date, nullable=True),
    Column("discovered_on", Date, nullable=True),
    Column("first_accounted_on", Date, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("near_miss", Boolean, nullable=False),
    Column("gain", Boolean, nullable=False),
    Column("credit_boundary", Boolean, nullable=False),
    Column("market_boundary", Boolean, nullable=False),
    Column("legal", Boolean, nullable=False),
    Column("source", String(100), nullable=True),
    Column("external_id", String(200), nullable=True),
    Column("reported_by", String(200), nullable=False),
    Column("approved_by", String(200), nullable=True),
    Column("approved_version", Integer, nullable=True),  # the version the approval was given to
    Column("status", String(20), nullable=False),
    Column("pending", String(20), nullable=True),  # a request awaiting a second actor's approval
    Column("root_event_id", String(200), nullable=True),
    Column("excluded", Boolean, nullable=False),
    Column("exclusion_reference", String(200), nullable=True),
    Column("gross_loss", Amount, nullable=False),
    Column("recoveries_insurance", Amount, nullable=False),
    Column("recoveries_other", Amount, nullable=False),
    Column("recoveries_receivable", Amount, nullable=False),
    Column("net_loss", Amount, nullable=False),
    Index("ix_loss_event_versions_valid_from_position", "valid_from_position"),
    Index("ix_loss_event_versions_valid_to_position", "valid_to_position"),
    Index("ix_loss_event_versions_source_external_id", "source", "external_id"),
    Index("ix_loss_event_versions_root_event_id", "root_event_id", "valid_to_position"),
)

ledger_lines = Table(
    "ledger_lines",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("line_id", String(200), nullable=False),
    Column("line_type", String(10), nullable=False),  # impact | recovery
    Column("kind", String(20), nullable=False),
    Column("amount", Amount, nullable=False),  # as recorded, positive
    Column("gross_effect", Amount, nullable=False),  # signed effect on the gross loss
    Column("net_effect", Amount, nullable=False),  # signed effect on the net loss
    Column("currency", String(3), nullable=False),
    Column("accounted_on", Date, nullable=False),
    Column("received", Boolean, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_ledger_lines_event_id", "event_id"),
    Index("ix_ledger_lines_accounted_on", "accounted_on"),
)

fx_rates = Table(
    "fx_rates",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("currency", String(3), nullable=False),
    Column("quote", String(3), nullable=False),
    Column("rate_date", Date, nullable=False),
    Column("rate", Amount, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_fx_rates_pair_date", "currency", "quote", "rate_date"),
)

financial_items = Table(
    "financial_items",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("legal_entity", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("item", String(40), nullable=False),
    Column("business_line", String(10), nullable=False),  # '' for entity-wide items
    Column("amount", Amount, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_financial_items_key", "legal_entity", "year", "item", "business_line"),
)

#: The first response to each HTTP request sent with an ``Idempotency-Key`` (per principal): a
#: retry gets this response back instead of running again. A cache of answers, not a read model:
#: the facts those requests appended are in ``events`` (their meta names the request).
http_idempotency = Table(
    "http_idempotency",
    metadata,
    Column("principal", String(200), primary_key=True),
    Column("idempotency_key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("headers", Json, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: The read-model tables, in the order a rebuild clears and refills them.
READ_MODELS = (loss_event_versions, ledger_lines, fx_rates, financial_items)
