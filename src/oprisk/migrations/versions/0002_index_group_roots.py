"""Index grouped losses by root: linking checks and group queries stop scanning the versions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_loss_event_versions_root_event_id",
        "loss_event_versions",
        ["root_event_id", "valid_to_position"],
    )


def downgrade() -> None:
    op.drop_index("ix_loss_event_versions_root_event_id", table_name="loss_event_versions")
