import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import support_circle.models  # noqa: F401  (registers the tables)
from support_circle.db import create_db_engine
from support_circle.migrate import head_revision, is_at_head, upgrade_to_head
from tests.conftest import REPO

TRIGGERS = ("live_event_circle_made", "live_event_membership", "live_event_changes", "live_event_kept")


@pytest.mark.empty_database
def test_migrations_build_exactly_the_models(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade_to_head(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    assert differences == [], "a model changed without a migration: add one in backend/support_circle/migrations"


@pytest.mark.empty_database
def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade_to_head(engine)
    tables = set(inspect(engine).get_table_names())
    upgrade_to_head(engine)
    assert set(inspect(engine).get_table_names()) == tables
    assert is_at_head(engine)
    assert head_revision() is not None
    engine.dispose()


def test_upgrading_the_v1_releases_database_keeps_every_row(tmp_path: Path) -> None:
    """A server of the v1 release (tests/fixtures/v1/app-server.sql, at its last migration) upgraded
    in place: SQLite alters a table by copying it, and with foreign keys on, dropping the old copy
    deleted every row that refers to it (a circle's members, log and changes) until migrations ran
    with them off."""
    database = tmp_path / "v1.sqlite3"
    with sqlite3.connect(database) as v1:
        v1.executescript((REPO / "tests" / "fixtures" / "v1" / "app-server.sql").read_text())
    tables = ("circle", "circle_member", "membership_entry", "change", "key_envelope", "device", "recovery_escrow")

    def counts() -> dict[str, int]:
        with sqlite3.connect(database) as db:
            return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}

    before = counts()
    assert all(before.values()), before
    engine = create_db_engine(f"sqlite:///{database}")
    upgrade_to_head(engine)
    assert is_at_head(engine)
    engine.dispose()
    assert counts() == before
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_sqlite_keeps_the_live_event_triggers_at_head(tmp_path: Path) -> None:
    """Several processes on one SQLite file learn of each other's events from ``live_event``, which
    only triggers on ``circle`` fill: a migration that rebuilds that table drops them silently."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'data' / 'support-circle.sqlite3'}")
    upgrade_to_head(engine)
    with engine.begin() as connection:
        triggers = {
            name for (name,) in connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
        connection.exec_driver_sql(
            "INSERT INTO circle (id, genesis_hash, log_seq, head_hash, epoch, epoch_closed, change_seq, created_at)"
            " VALUES ('c', 'g', 0, 'h', 0, 0, 0, '2026-12-03')"
        )
        connection.exec_driver_sql("UPDATE circle SET change_seq = 2")
        connection.exec_driver_sql("UPDATE circle SET log_seq = 1, change_seq = 2")
        events = connection.exec_driver_sql("SELECT kind, circle_id, seq FROM live_event ORDER BY id").all()
    engine.dispose()
    assert set(TRIGGERS) <= triggers
    assert [tuple(row) for row in events] == [("membership", "c", 0), ("changes", "c", 2), ("membership", "c", 1)]
