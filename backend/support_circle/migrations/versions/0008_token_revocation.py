"""a counter of ended bearer tokens, kept by triggers, for the per-process sign-in cache

Revision ID: 0008_token_revocation
Revises: 0007_live_event
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_token_revocation"
down_revision: str | None = "0007_live_event"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every delete or change of a token row counts, whoever makes it: a sign-out, a newer sign-in
# ending the oldest, a purge of its device (ON DELETE CASCADE fires these triggers too), or an
# operator by hand. Expired tokens need no count (the cache checks expiry itself), but counting
# their removal too keeps the triggers plain; sign-ins, which remove them, are rare.
_POSTGRES_FUNCTION = """
CREATE FUNCTION token_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE token_revocation SET epoch = epoch + 1 WHERE id = 1;
    RETURN NULL;
END
$$
"""
_POSTGRES_TRIGGER = """
CREATE TRIGGER auth_token_revoked AFTER DELETE OR UPDATE ON auth_token
FOR EACH ROW EXECUTE FUNCTION token_revoked()
"""
_SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER auth_token_deleted AFTER DELETE ON auth_token
    BEGIN
        UPDATE token_revocation SET epoch = epoch + 1 WHERE id = 1;
    END
    """,
    """
    CREATE TRIGGER auth_token_updated AFTER UPDATE ON auth_token
    BEGIN
        UPDATE token_revocation SET epoch = epoch + 1 WHERE id = 1;
    END
    """,
]


def upgrade() -> None:
    table = op.create_table(
        "token_revocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(table, [{"id": 1, "epoch": 0}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)
    else:
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER auth_token_revoked ON auth_token")
        op.execute("DROP FUNCTION token_revoked()")
    else:
        op.execute("DROP TRIGGER auth_token_deleted")
        op.execute("DROP TRIGGER auth_token_updated")
    op.drop_table("token_revocation")
