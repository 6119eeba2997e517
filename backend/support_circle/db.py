"""Database engines and sessions.

SQLite is the embedded default; PostgreSQL is chosen by ``DATABASE_URL``. Both run the same
Alembic migrations (see ``migrate.py``) and the same queries.
"""

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import psycopg
from fastapi import Depends, Request
from psycopg.conninfo import make_conninfo
from sqlalchemy import Connection, Engine, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 5000
# Seconds a PostgreSQL connection is kept before the pool replaces it at its next checkout: below
# the idle timeouts of common proxies, load balancers and firewalls (four minutes and more).
POOL_RECYCLE_SECONDS = 180

T = TypeVar("T")


def compact_json(value: Any) -> str:
    """JSON columns as stored: without the spaces ``json.dumps`` puts after ``,`` and ``:``, so a
    pulled envelope, sent on as the text it is stored as, costs no byte more on the wire."""
    return json.dumps(value, separators=(",", ":"))


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the data folder is created private to this user."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, parsed.database)
    # hide_parameters: a logged database error must not carry ids, token hashes or ciphertext.
    #
    # No pre-ping: it cost every checkout a round trip, two of a push's sixteen. A connection the
    # network or a proxy drops for idleness is never used: the pool replaces each one after
    # POOL_RECYCLE_SECONDS, before such timeouts strike. One that dies otherwise (the database
    # restarted) fails at its first statement with a disconnect error, and SQLAlchemy then
    # invalidates every connection the pool made before it, so each process meets it once.
    # Nothing acknowledged is lost that way: the transaction did not commit, or its COMMIT's fate
    # is unknown and the client, told of an error, retries. The hot paths (the sign-in check, a
    # push) are idempotent and retry it themselves once (``retried_if_disconnected``). A push runs
    # on connections of its own, outside SQLAlchemy, handled the same way (``pipelines.py``).
    #
    # prepare_threshold=None: psycopg prepares no statement on the server. A prepared statement's
    # generic plan is made once, from the table's statistics of that moment, and kept until an
    # ANALYZE: a circle's changes planned when the table was small were read by a scan of the whole
    # table as it grew (the batch's known changes took 21 ms of a 50-change push instead of 2, a
    # single push 7.8 ms instead of 4.2, `bench/push_profile.py`). Planned at each execution, every
    # statement sees the table as it is; parsing again costs less than that here.
    return create_engine(
        url,
        pool_recycle=POOL_RECYCLE_SECONDS,
        hide_parameters=True,
        json_serializer=compact_json,
        connect_args={"prepare_threshold": None},
    )


def libpq_conninfo(sqlalchemy_url: str | URL, **options: Any) -> str:
    """``sqlalchemy_url`` as libpq's connection string, for connections psycopg makes itself, with
    TCP keepalives: a connection that dies without a reset is noticed within about a minute.

    Built from the URL's decoded parts, not from the URL as a string: libpq reads a ``+`` in a
    URL's query as itself, not as a space, so ``options=-c statement_timeout=5000`` would not
    survive, and ``make_conninfo`` refuses a URL whose password has a space (and says it)."""
    url = make_url(sqlalchemy_url)
    parts = {"host": url.host, "port": url.port, "dbname": url.database, "user": url.username, "password": url.password}
    # A key given twice in the query is a tuple: libpq, like SQLAlchemy's drivers, takes the last.
    query = {name: value[-1] if isinstance(value, tuple) else value for name, value in url.query.items()}
    parameters = {**{name: value for name, value in parts.items() if value is not None}, **query}
    return make_conninfo(
        "", **parameters, keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3, **options
    )


def driver_lacks(url: str) -> str | None:
    """What this process's database driver lacks for ``url``, in words for the operator, or None.

    A push on PostgreSQL runs in psycopg's pipeline mode (``pipelines.py``), which needs libpq 14 or
    newer. ``psycopg[binary]`` brings its own; a psycopg built on an older system libpq would fail
    every push, so the server refuses to start on it instead."""
    if make_url(url).get_backend_name() != "postgresql" or psycopg.Pipeline.is_supported():
        return None
    return (
        f"the PostgreSQL client library (libpq {psycopg.pq.version()}) is older than version 14, which"
        " sending changes needs. Install psycopg[binary], which brings its own, or a newer libpq."
    )


def _create_sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        folder = Path(database).parent
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    engine = create_engine(
        url, connect_args={"check_same_thread": False}, hide_parameters=True, json_serializer=compact_json
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers and one writer work at once; the busy timeout makes a second writer
    # wait its turn instead of failing with "database is locked". The timeout comes first: the
    # first switch to WAL needs the file to itself, and several processes may start together.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_sqlite_write_locks: dict[int, threading.Lock] = {}


@contextmanager
def serialized_writes(session: Session) -> Iterator[None]:
    """Around a service function that writes through ``session``: on SQLite, its transaction
    holds the database's write lock from its first statement (``BEGIN IMMEDIATE``).

    SQLite allows one writer. A transaction that read first and writes after fails with
    "database is locked" whatever the busy timeout, if another connection wrote in between; one
    that begins with the write lock waits for it instead, up to the busy timeout, and reads the
    newest state under it. That holds across processes (several workers on one file): the
    database is the guard. PostgreSQL needs neither: writers take row locks (``with_for_update``).
    Reads made before entering are outside the transaction, as on PostgreSQL before the lock.
    """
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    with _in_turn(engine):
        begin_immediate(session.connection())
        yield


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """``serialized_writes`` for a service that writes through a connection: one transaction,
    committed when the block ends (rolled back if it raises)."""
    with _in_turn(engine), engine.begin() as connection:
        begin_immediate(connection)
        yield connection


def begin_immediate(connection: Connection) -> None:
    """On SQLite, starts the connection's transaction with the write lock, unless it holds it
    already (it wrote). The driver then begins none of its own, and commits it as usual."""
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.dbapi_connection
    if driver is not None and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def _in_turn(engine: Engine) -> Iterator[None]:
    """On SQLite, one writer at a time in this process: its threads queue on a lock instead of
    polling the busy handler, whose back-off sleeps up to 100 ms a try. Not the guard (that is
    ``BEGIN IMMEDIATE``): only the order in which this process's writers ask for it."""
    if engine.dialect.name != "sqlite":
        yield
        return
    lock = _sqlite_write_locks.setdefault(id(engine), threading.Lock())
    with lock:
        yield


def retried_if_disconnected(work: Callable[[], T]) -> T:
    """``work()``, once more if its connection turned out dead (see ``create_db_engine``).

    Only for work that answers a retry as it answered the first try: reads, and writes that a
    resent request finds already done (a push's change ids). The failed try did not commit, or
    committed and the retry finds it so.
    """
    try:
        return work()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return work()


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for work that only reads. On PostgreSQL in autocommit: each statement reads the
    newest committed state, as in a READ COMMITTED transaction, without BEGIN and ROLLBACK round
    trips around it. (SQLite's driver begins no transaction before a read anyway.)"""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


@dataclass(frozen=True)
class DriverStatement:
    """A statement for psycopg's own cursor (``pipelines.py``): its text, compiled once, and the
    values SQLAlchemy bound for its constants (a ``coalesce``'s 0, a channel's name)."""

    sql: bytes
    constants: dict[str, Any]

    def parameters(self, given: dict[str, Any]) -> dict[str, Any]:
        return {**self.constants, **given}


def driver_statement(statement: ClauseElement) -> DriverStatement:
    """``statement`` compiled for PostgreSQL's psycopg dialect, once, as SQLAlchemy would send it,
    for psycopg's own cursor (``pipelines.py``).

    Its values go to psycopg as they are: SQLAlchemy's processing of bound values does not run, so
    only for statements whose values psycopg adapts itself (strings, numbers, lists of them, aware
    datetimes). An expanding IN-list cannot be compiled ahead of its values: use ``= ANY`` of an
    array.
    """
    dialect = postgresql_psycopg.dialect()  # type: ignore[no-untyped-call]
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    sql = str(compiled)
    if "POSTCOMPILE" in sql:
        raise ValueError("an expanding parameter is compiled at each execution: use an array")
    for name, bind in compiled.binds.items():
        # A value computed at each execution, or one SQLAlchemy would convert on its way (a
        # TypeDecorator's), would be frozen here or sent unconverted. An ARRAY's
        # conversion is of its items, none for the plain lists a push binds.
        if bind.callable is not None or (
            bind.type.bind_processor(dialect) is not None and not isinstance(bind.type, ARRAY)
        ):
            raise ValueError(f"{name}: a value SQLAlchemy computes or converts cannot be compiled once")
    # The parameters without a value are those each execution gives.
    constants = {name: value for name, value in compiled.params.items() if value is not None}
    return DriverStatement(sql.encode(), constants)


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
