"""Applies the Alembic migrations that ship inside this package."""

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from support_circle.db import begin_immediate

# Any fixed number: every server process takes the same lock, so only one migrates at a time.
_PG_MIGRATION_LOCK = 0x5C1C_0001

_MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to the newest schema; safe when several processes start together."""
    config = _config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one (Alembic's batch mode),
            # and with foreign keys on, DROP TABLE first deletes every row that refers to it: a
            # circle's members, log and changes would go with it (ON DELETE CASCADE). The pragma
            # takes effect only outside a transaction, so it is set before the migration's own.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                # Several processes may start together (WORKERS): one migrates, the others wait
                # for it and then find nothing to do. SQLite: the write lock from the start.
                begin_immediate(connection)
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("a migration left rows that refer to nothing; nothing was changed")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def is_at_head(engine: Engine) -> bool:
    """True when the database carries every migration this code knows."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    return current == head_revision()
