"""Global hash chain (log head hash, re-chain of an existing log as a fact), guards on the log
head and on closed version rows, the four-eyes columns of the version rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import context, op

from oprisk.store.rechain import rechain
from oprisk.store.schema import GENESIS

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The log head points at the last fact and moves only forward; closed version rows never change.
# (The table owner can drop these, as the append-only triggers: signed checkpoints are what
# detect a writer with the owner's rights; docs/security.md.)
PG_GUARDS = """
CREATE OR REPLACE FUNCTION oprisk_log_head_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'the log head cannot be removed: % refused', TG_OP;
  END IF;
  -- max() walks the primary key from its end: one probe, whatever plan the function caches
  IF NEW.id <> OLD.id OR NEW.position < OLD.position
     OR NEW.position <> (SELECT COALESCE(MAX(position), 0) FROM events)
     OR (NEW.position > 0 AND NEW.hash IS DISTINCT FROM
         (SELECT hash FROM events WHERE position = NEW.position)) THEN
    RAISE EXCEPTION 'the log head must point at the last fact and move only forward';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER log_head_guard BEFORE UPDATE OR DELETE ON log_head
  FOR EACH ROW EXECUTE FUNCTION oprisk_log_head_guard();
CREATE TRIGGER log_head_no_truncate BEFORE TRUNCATE ON log_head
  FOR EACH STATEMENT EXECUTE FUNCTION oprisk_log_head_guard();
CREATE OR REPLACE FUNCTION oprisk_closed_version_guard() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'a closed version row never changes';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER closed_versions_unchanged BEFORE UPDATE ON loss_event_versions
  FOR EACH ROW WHEN (OLD.valid_to_position IS NOT NULL)
  EXECUTE FUNCTION oprisk_closed_version_guard();
"""

SQLITE_GUARDS = [
    "CREATE TRIGGER log_head_guard BEFORE UPDATE ON log_head WHEN NEW.id IS NOT OLD.id "
    "OR NEW.position < OLD.position "
    "OR NEW.position <> (SELECT COALESCE(MAX(position), 0) FROM events) "
    "OR (NEW.position > 0 AND NEW.hash IS NOT (SELECT hash FROM events WHERE position = NEW.position)) "
    "BEGIN SELECT RAISE(ABORT, 'the log head must point at the last fact and move only forward'); END",
    "CREATE TRIGGER log_head_no_delete BEFORE DELETE ON log_head "
    "BEGIN SELECT RAISE(ABORT, 'the log head cannot be removed: DELETE refused'); END",
    "CREATE TRIGGER closed_versions_unchanged BEFORE UPDATE ON loss_event_versions "
    "WHEN OLD.valid_to_position IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'a closed version row never changes'); END",
]

# The version approved, for rows written before it was recorded: the version before the latest
# approval at or before the row (nothing in an old log withdrew an approval).
APPROVED_VERSION = """
UPDATE loss_event_versions SET approved_version = (
  SELECT MAX(a.version) - 1 FROM loss_event_versions a
  WHERE a.event_id = loss_event_versions.event_id AND a.fact = 'loss_event.approved'
    AND a.version <= loss_event_versions.version)
WHERE approved_by IS NOT NULL
"""


def upgrade() -> None:
    op.add_column(
        "log_head", sa.Column("hash", sa.String(64), nullable=False, server_default=GENESIS)
    )
    op.add_column("loss_event_versions", sa.Column("approved_version", sa.Integer(), nullable=True))
    op.add_column("loss_event_versions", sa.Column("pending", sa.String(20), nullable=True))
    op.execute(APPROVED_VERSION)
    if context.is_offline_mode():
        # the re-chain reads and checks every stored hash: it cannot be written as SQL ahead of
        # time (`oprisk db upgrade --sql` shows this note; an empty log needs no re-chain)
        op.execute("-- 0004: a log that already holds facts is re-chained by `oprisk db upgrade`")
    else:
        rechain(op.get_bind())
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        op.execute(PG_GUARDS)
    elif dialect == "sqlite":
        for ddl in SQLITE_GUARDS:
            op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS closed_versions_unchanged ON loss_event_versions")
        op.execute("DROP TRIGGER IF EXISTS log_head_no_truncate ON log_head")
        op.execute("DROP TRIGGER IF EXISTS log_head_guard ON log_head")
        op.execute("DROP FUNCTION IF EXISTS oprisk_closed_version_guard()")
        op.execute("DROP FUNCTION IF EXISTS oprisk_log_head_guard()")
    else:
        for name in ("closed_versions_unchanged", "log_head_no_delete", "log_head_guard"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    # the log.rechained fact stays: the log is append-only
    with op.batch_alter_table("loss_event_versions") as batch:
        batch.drop_column("pending")
        batch.drop_column("approved_version")
    with op.batch_alter_table("log_head") as batch:
        batch.drop_column("hash")
