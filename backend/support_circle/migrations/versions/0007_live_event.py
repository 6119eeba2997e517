"""live events on SQLite, for several server processes on one file

Revision ID: 0007_live_event
Revises: 0006_unlinked_notice
Create Date: 2026-12-03

Several workers may share one SQLite file (``WORKERS``); a live event committed through one must
reach the streams open on the others. PostgreSQL has ``NOTIFY`` for that; on SQLite, triggers on
``circle`` write each event into ``live_event`` in the transaction that makes it, and every
process reads the new rows a few times a second (``events.SqlitePoller``). The triggers announce
exactly what the services announce: a circle made (its membership log at 0), its membership log
grown, its change log grown. The newest ``LIVE_EVENTS_KEPT`` rows are kept, the older deleted as
new ones come. On PostgreSQL the table is made (the models are the same on both) and stays empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_live_event"
down_revision: str | None = "0006_unlinked_notice"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The newest rows kept (the pruning trigger below says 10000 as a literal).
LIVE_EVENTS_KEPT = 10_000

_INSERT = "INSERT INTO live_event (kind, circle_id, seq) VALUES"
TRIGGERS = {
    "live_event_circle_made": f"""
        CREATE TRIGGER live_event_circle_made AFTER INSERT ON circle
        BEGIN {_INSERT} ('membership', NEW.id, NEW.log_seq); END""",
    "live_event_membership": f"""
        CREATE TRIGGER live_event_membership AFTER UPDATE OF log_seq ON circle
        WHEN NEW.log_seq != OLD.log_seq
        BEGIN {_INSERT} ('membership', NEW.id, NEW.log_seq); END""",
    "live_event_changes": f"""
        CREATE TRIGGER live_event_changes AFTER UPDATE OF change_seq ON circle
        WHEN NEW.change_seq != OLD.change_seq
        BEGIN {_INSERT} ('changes', NEW.id, NEW.change_seq); END""",
    "live_event_kept": """
        CREATE TRIGGER live_event_kept AFTER INSERT ON live_event
        BEGIN DELETE FROM live_event WHERE id <= NEW.id - 10000; END""",
}


def upgrade() -> None:
    op.create_table(
        "live_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("circle_id", sa.String(length=22), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in TRIGGERS.values():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("live_event")
