from sqlmodel import Field, SQLModel

from support_circle.models.columns import ID


class LiveEvent(SQLModel, table=True):
    """On SQLite, the live events of the last commits, for server processes that share the file
    (``events.SqlitePoller``): triggers on ``circle`` write a row whenever its change log or its
    membership log grows, in the transaction that made it grow, and keep the newest
    ``LIVE_EVENTS_KEPT``. On PostgreSQL the table stays empty: ``NOTIFY`` carries the events.

    Migration 0007 made the triggers. A migration that rebuilds ``circle`` on SQLite (Alembic's
    batch mode copies the table) drops them and must make them again;
    ``tests/backend/test_migrations.py`` checks they are there."""

    __tablename__ = "live_event"

    # INTEGER PRIMARY KEY: SQLite numbers rows max + 1, one writer at a time, so in commit order.
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    circle_id: str = Field(max_length=ID)
    seq: int
