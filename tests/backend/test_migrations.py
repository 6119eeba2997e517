from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import support_circle.models  # noqa: F401  (registers the tables)
from support_circle.db import create_db_engine
from support_circle.migrate import head_revision, is_at_head, upgrade_to_head


def test_migrations_build_exactly_the_models(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade_to_head(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert differences == [], "a model changed without a migration: add one in backend/support_circle/migrations"


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade_to_head(engine)
    tables = set(inspect(engine).get_table_names())
    upgrade_to_head(engine)
    assert set(inspect(engine).get_table_names()) == tables
    assert is_at_head(engine)
    assert head_revision() is not None
    engine.dispose()
