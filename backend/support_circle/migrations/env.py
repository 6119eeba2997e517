"""Alembic environment: runs on the connection that ``support_circle.migrate`` hands over."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import support_circle.models  # noqa: F401  (registers the tables on SQLModel.metadata)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through 'support-circle migrate', which supplies the database.")
_run(connection)
