"""unlinked notices for removed devices

Revision ID: 0006_unlinked_notice
Revises: 0005_circle_epoch_closed
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_unlinked_notice"
down_revision: str | None = "0005_circle_epoch_closed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unlinked_notice",
        sa.Column("device_id", sa.String(length=22), nullable=False),
        sa.Column("circle_id", sa.String(length=22), nullable=False),
        sa.Column("notice", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id", "circle_id"),
    )


def downgrade() -> None:
    op.drop_table("unlinked_notice")
