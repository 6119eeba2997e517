"""whether a circle's current epoch was closed by a member who left

Revision ID: 0005_circle_epoch_closed
Revises: 0004_circle_head_state
Create Date: 2026-12-03

A version 2 ``leave`` closes the epoch (PROTOCOL.md §8): the server takes no change under it until
a member starts a new one. Every circle starts open; no version 1 entry closes an epoch.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_circle_epoch_closed"
down_revision: str | None = "0004_circle_head_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("circle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("epoch_closed", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("circle", schema=None) as batch_op:
        batch_op.drop_column("epoch_closed")
