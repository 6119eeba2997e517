"""the verified head of each membership log

Revision ID: 0004_circle_head_state
Revises: 0003_recovery
Create Date: 2026-12-02

Nullable, and left empty here: a circle's head is rebuilt from its log, with the protocol code of
the running server, the first time an entry is appended to it (services/circles.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_circle_head_state"
down_revision: str | None = "0003_recovery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("circle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_state", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("circle", schema=None) as batch_op:
        batch_op.drop_column("head_state")
