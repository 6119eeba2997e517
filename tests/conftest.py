"""Fixtures shared by every test: the two real databases the server supports.

Outside CI, a database or browser that cannot be had skips its tests with one line saying what
to install. With CI=true the same absence fails the run: CI must prove everything.
"""

import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from support_circle.app import create_app
from support_circle.client import Device
from support_circle.settings import Settings
from tests.support.migrated import (
    create_database,
    migrated_postgres,
    migrated_sqlite,
    remove_sqlite_template,
    worker_database,
)

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SHARED_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://support_circle@127.0.0.1:5432/support_circle_test"
)
# Each pytest-xdist worker empties and copies a database of its own (its name + "_gw0", …).
TEST_DATABASE_URL = worker_database(SHARED_DATABASE_URL, os.environ.get("PYTEST_XDIST_WORKER"))


_missing: set[str] = set()


def unavailable(reason: str) -> None:
    """Skips the test with ``reason`` — or fails it in CI, where nothing may be left unproven."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must be available)", pytrace=False)
    _missing.add(reason)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pytest-xdist schedules by node id: of tests that share one (schemathesis gives every
    operation's test the same) it runs one and drops the rest without a word. Refuse instead."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    shared = sorted(nodeid for nodeid, count in Counter(item.nodeid for item in items).items() if count > 1)
    if shared:
        raise pytest.UsageError(f"these tests share a node id, so run them without -n: {', '.join(shared)}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reason in sorted(_missing):
        terminalreporter.write_line(f"SKIPPED the tests that need it: {reason}", yellow=True)


_postgres_error: list[str] = []


def _postgres_reachable() -> bool:
    if not _postgres_error:
        try:
            engine = create_engine(SHARED_DATABASE_URL)
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            if TEST_DATABASE_URL != SHARED_DATABASE_URL:
                create_database(TEST_DATABASE_URL)
            _postgres_error.append("")
        except SQLAlchemyError as exc:
            _postgres_error.append(type(exc).__name__)
    return _postgres_error[0] == ""


def reset_postgres(url: str) -> None:
    """Leaves the test database empty, as a fresh installation finds it."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def empty_database(kind: str, folder: Path) -> str:
    """A URL for an empty database: SQLite in `folder`'s data folder, or the real PostgreSQL."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'data' / 'support-circle.sqlite3'}"
    if not _postgres_reachable():
        unavailable(
            f"PostgreSQL is not reachable at {TEST_DATABASE_URL.split('@')[-1]} "
            "(install and start PostgreSQL; 'make test' creates the role and database)"
        )
    reset_postgres(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


def migrated_database(kind: str, folder: Path) -> str:
    """A URL for a database at the newest schema, as a fresh installation holds it after its first
    start: a copy of one migrated once per run (tests/support/migrated.py)."""
    if kind == "sqlite":
        path = folder / "data" / "support-circle.sqlite3"
        migrated_sqlite(path)
        return f"sqlite:///{path}"
    if not _postgres_reachable():
        empty_database(kind, folder)  # says what is missing
    if not migrated_postgres(TEST_DATABASE_URL):
        reset_postgres(TEST_DATABASE_URL)  # the role may not copy databases: the server migrates it
    return TEST_DATABASE_URL


# For a test that only PostgreSQL can hold (its connections, its locks, its pipeline): the
# ``database_url`` fixture on PostgreSQL alone.
ON_POSTGRES = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for a database at the newest schema — or, for a test marked ``empty_database``, an
    empty one: SQLite in a temporary data folder, or the real PostgreSQL."""
    if request.node.get_closest_marker("empty_database"):
        return empty_database(request.param, tmp_path)
    return migrated_database(request.param, tmp_path)


def pytest_sessionfinish() -> None:
    remove_sqlite_template()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Tests register and sign in many devices from one address, without codes: registration is
    # open and the anonymous limits lifted here; tests that check them set their own.
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        static_dir=tmp_path / "no-app",
        registration="open",
        anonymous_rate_per_minute=1_000_000,
        registrations_per_minute=1_000_000,
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """The real app with its real database, driven in-process through an ASGI transport."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


NewDevice = Callable[[], Device]


@pytest.fixture
def new_device(client: TestClient) -> NewDevice:
    """Makes reference-client devices, registered and signed in to the app under test."""

    def make() -> Device:
        device = Device.new("http://testserver", http=client)
        device.register()
        device.sign_in()
        return device

    return make
