"""Baseline: the server's identity row.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-11-25
"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001_baseline"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    server_info = op.create_table(
        "server_info",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("server_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    # Made here, once per database, so every process of a scaled-out server reports the same id.
    op.bulk_insert(
        server_info,
        [{"id": 1, "server_id": secrets.token_urlsafe(16), "created_at": datetime.now(UTC)}],
    )


def downgrade() -> None:
    op.drop_table("server_info")
