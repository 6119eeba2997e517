"""Databases at the newest schema for tests, copied from one migrated once per test run.

Migrating an empty database costs a few hundred milliseconds (more on PostgreSQL), and most tests
start a server on one: copying a database migrated once costs a few tens. The copy is what a fresh
installation holds after its first start — the same migrations made it — except that each copy
gets a server id of its own, as each installation does. Tests of migrating itself use
``empty_database`` and migrate for real.
"""

import secrets
import shutil
import sqlite3
import tempfile
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from support_circle.db import create_db_engine
from support_circle.migrate import upgrade_to_head

_SQLITE_TEMPLATE: list[Path] = []
_POSTGRES_TEMPLATE: dict[str, bool] = {}  # template name -> whether copying works here
NEW_SERVER_ID = "UPDATE server_info SET server_id = %s"


def _migrate(url: str) -> None:
    engine = create_db_engine(url)
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()


def migrated_sqlite(path: Path) -> None:
    """Puts a migrated database at ``path`` (its folder made private, as the server does)."""
    if not _SQLITE_TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="support-circle-template-"))
        _migrate(f"sqlite:///{folder / 'data' / 'template.sqlite3'}")
        _SQLITE_TEMPLATE.append(folder / "data" / "template.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    # The backup API copies a consistent database whatever its journal holds.
    with sqlite3.connect(_SQLITE_TEMPLATE[0]) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
        copy.execute(NEW_SERVER_ID.replace("%s", "?"), (secrets.token_urlsafe(16),))


def _maintenance(url: str) -> psycopg.Connection:
    """A connection to the server's ``postgres`` database as the test role, for CREATE/DROP."""
    parsed = make_url(url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(parsed.render_as_string(hide_password=False), autocommit=True)


def migrated_postgres(url: str) -> bool:
    """Replaces the database of ``url`` with a copy of a migrated one; False when the role may not
    create databases (then the caller migrates an emptied one instead)."""
    name = make_url(url).database
    template = f"{name}_template"
    if template not in _POSTGRES_TEMPLATE:
        _POSTGRES_TEMPLATE[template] = _make_template(url, template)
    if not _POSTGRES_TEMPLATE[template]:
        return False
    with _maintenance(url) as connection:
        # FORCE: a connection a test left open must not keep the next test from a fresh copy.
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY WAL_LOG')
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)) as copy:
        copy.execute(NEW_SERVER_ID, (secrets.token_urlsafe(16),))
    return True


def _make_template(url: str, template: str) -> bool:
    try:
        with _maintenance(url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{template}"')
    except psycopg.errors.InsufficientPrivilege:
        return False
    _migrate(make_url(url).set(database=template).render_as_string(hide_password=False))
    return True


def remove_sqlite_template() -> None:
    for path in _SQLITE_TEMPLATE:
        shutil.rmtree(path.parent.parent, ignore_errors=True)
