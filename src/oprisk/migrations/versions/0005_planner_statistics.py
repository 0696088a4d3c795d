"""PostgreSQL: ``oprisk_analyze()``, so that the loader can refresh the planner's statistics of the
tables it grows whatever role it runs as and whether or not autovacuum runs (issue 19).

Without statistics the planner takes a batch's ``stream_id IN (…)`` lookups for a large share of
the table and reads it whole: a load then grows with the square of the data. ``ANALYZE`` needs
the table's owner, and the loader connects as ``oprisk_writer``: the function runs as its owner
(``SECURITY DEFINER``, ``oprisk db roles`` gives it to ``oprisk_owner``) and does nothing else.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ANALYZE = """
CREATE OR REPLACE FUNCTION oprisk_analyze() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  ANALYZE events;
  ANALYZE loss_event_versions;
  ANALYZE ledger_lines;
END $$
"""


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(ANALYZE)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS oprisk_analyze()")
