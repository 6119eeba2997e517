"""recovery escrows

Revision ID: 0003_recovery
Revises: 0002_sync
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_recovery"
down_revision: str | None = "0002_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recovery_escrow",
        sa.Column("id", sa.String(length=22), nullable=False),
        sa.Column("owner_device_id", sa.String(length=22), nullable=False),
        sa.Column("escrow", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_device_id"], ["device.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recovery_escrow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_escrow_owner_device_id"), ["owner_device_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recovery_escrow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_escrow_owner_device_id"))

    op.drop_table("recovery_escrow")
