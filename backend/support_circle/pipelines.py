"""PostgreSQL: a push's transaction on the event loop, in psycopg's pipeline mode, on connections of
its own (``PUSH_CONNECTIONS`` a process, kept open).

On the event loop rather than in a worker thread: with a thread, each push's Python ran on two
threads that took turns at the interpreter's lock, and a push's answer waited for the loop to let
go of it; on the loop alone, one process served 1.26 to 1.58 times the single-change pushes of ten
clients (bench/README.md, 2026-12-05, second sitting).
The connections are psycopg_pool's, a fixed number kept open: SQLAlchemy's pool closed the
connections it had opened beyond its five at each return, and PostgreSQL then started a process
for each new one, some 30 a second under ten clients' pushes.

In pipeline mode statements are sent without waiting for the answers of those before: BEGIN
travels with the first statement whose rows the push fetches (one round trip), and what it sends
after that travels with COMMIT, sent with one sync as the transaction ends (one round trip).
psycopg's own transactions would cost a round trip more (it sends BEGIN and syncs before a
transaction's first statement), so the connections are in autocommit, and BEGIN and COMMIT are
statements of the pipeline.

A connection is not checked before use (a round trip each time). One that died in the pool (the
database restarted, a proxy cut it) fails at its first statement: the error is raised as
SQLAlchemy raises its own (``DBAPIError``, ``connection_invalidated``), and the pool drops every
connection it opened before it, as SQLAlchemy's does, so the push's one retry meets a fresh one.
Connections live at most ``POOL_RECYCLE_SECONDS``, below the idle timeouts of proxies.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import psycopg
from fastapi import Depends, Request
from psycopg.rows import namedtuple_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from support_circle.db import POOL_RECYCLE_SECONDS, libpq_conninfo
from support_circle.errors import ServiceUnavailable

T = TypeVar("T")
# Each statement is prepared on its connection at its first use (psycopg's prepare_threshold 0),
# which spares PostgreSQL parsing and rewriting it at every push, and planned at every execution
# for the values it is given, never with a generic plan: one made once from the statistics of a
# small table kept reading a circle's changes by a scan of the whole table as it grew (the reason
# the engine prepares nothing, ``db.create_db_engine``). PostgreSQL's CPU time per push fell from
# 1.6-1.8 to 1.2-1.5 ms under ten clients (bench/README.md, 2026-12-05).
#
# A push waits at most 5 s for its circle, held by another push for milliseconds: only a
# transaction from outside the service holds it longer, and the push is then refused as busy
# (503, the app tries again) instead of holding a connection for as long as that lasts.
#
# Both are set once on each connection as the pool opens it, not in every push, and not as startup
# options, which a pooler such as PgBouncer may refuse or drop, and which would replace any options
# the operator put in DATABASE_URL.
SETTINGS = (
    b"SELECT set_config('plan_cache_mode', 'force_custom_plan', false) AS plans,"
    b" set_config('lock_timeout', '5s', false) AS lock_timeout"
)
# How long a push waits for one of its process's connections: a queue of a hundred pushes takes a
# fraction of a second; a wait this long means the database is out of reach, and the app, told of
# an error, keeps the changes and tries again later.
CHECKOUT_TIMEOUT_SECONDS = 10.0


class Pipelines:
    """The push connections of one process, opened with the app and closed with it."""

    def __init__(self, engine: Engine, size: int) -> None:
        self._dialect = engine.dialect
        self._turns: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]] = AsyncConnectionPool(
            libpq_conninfo(engine.url),
            kwargs={"autocommit": True, "prepare_threshold": 0},
            configure=_configure,
            min_size=size,
            max_size=size,
            open=False,
            name="push",
            timeout=CHECKOUT_TIMEOUT_SECONDS,
            max_lifetime=POOL_RECYCLE_SECONDS,
        )

    async def open(self) -> None:
        """Starts opening the connections, in the background: a server whose database is out of
        reach still starts (``/readyz`` says it is not ready); a push waits for a connection."""
        await self._pool.open(wait=False)

    def idle(self) -> int:
        """How many connections are open and waiting for a push."""
        return int(self._pool.get_stats().get("pool_available", 0))

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self, turn: str) -> AsyncIterator["psycopg.AsyncCursor[Any]"]:
        """One transaction on a cursor in pipeline mode: committed when the block ends, rolled back
        if it raises. Its rows are named tuples. Driver errors are raised as SQLAlchemy's.

        Transactions of one ``turn`` (a circle) take turns before they take a connection: those
        waiting for a circle then hold none, and however many pushes one circle gets, the others'
        find a connection free."""
        async with self._turn(turn), self._connection() as connection:
            try:
                async with connection.pipeline(), connection.cursor(row_factory=namedtuple_row) as cursor:
                    # As psycopg begins SQLAlchemy's transactions, whatever the server's default:
                    # a statement that waited for a row lock then reads that row as it is now.
                    await cursor.execute(b"BEGIN ISOLATION LEVEL READ COMMITTED")
                    yield cursor
                    await cursor.execute(b"COMMIT")
            except psycopg.errors.LockNotAvailable as exc:
                raise busy("Someone else is saving to this circle. The app tries again in a moment.") from exc
            except psycopg.Error as exc:
                raise await self._as_sqlalchemy_error(connection, exc) from exc
            # Otherwise (a refusal raised between the round trips, the pipeline synced on its way
            # out; the request cancelled) the connection's own exit rolls the transaction back, and
            # the pool closes a connection that died or was left mid-statement as it returns. (Not
            # a ROLLBACK sent in the pipeline: psycopg, seeing one, forgets the statements it
            # prepared and drops them on the server later, after the next transaction has
            # prepared some anew, which then fail as unknown.)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        try:
            async with self._pool.connection() as connection:
                yield connection
        except PoolTimeout as exc:  # every connection busy, or the database out of reach
            raise busy("The server is busy. The app tries again in a moment.") from exc

    @asynccontextmanager
    async def _turn(self, key: str) -> AsyncIterator[None]:
        """One holder of ``key`` at a time in this process; the lock goes when nobody waits for it."""
        lock, users = self._turns.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._turns[key]

    async def _as_sqlalchemy_error(self, connection: psycopg.AsyncConnection[Any], exc: psycopg.Error) -> DBAPIError:
        """``exc`` as SQLAlchemy raises a driver's error: a ``DBAPIError`` (``IntegrityError``,
        ``OperationalError``…) without parameters, ``connection_invalidated`` when the connection
        is dead, in which case the pool drops every connection it opened before this one (a
        database restart kills them all). A live one is rolled back by its own exit."""
        dead = connection.closed or connection.broken
        if dead:
            await self._pool.drain()
        error = DBAPIError.instance(
            None, None, exc, psycopg.Error, hide_parameters=True, connection_invalidated=dead, dialect=self._dialect
        )
        assert isinstance(error, DBAPIError)  # a driver's error is always wrapped as one
        return error


async def retried_if_disconnected(work: Callable[[], Awaitable[T]]) -> T:
    """``work()``, once more if its connection turned out dead: as ``db.retried_if_disconnected``,
    for work that answers a retry as it answered the first try (a push's change ids)."""
    try:
        return await work()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    return await work()


async def _configure(connection: psycopg.AsyncConnection[Any]) -> None:
    """A new connection's settings (``SETTINGS``), for its whole life: it is in autocommit."""
    await connection.execute(SETTINGS)


def busy(message: str) -> ServiceUnavailable:
    """A 503 the app answers by trying again a second later."""
    error = ServiceUnavailable(message)
    error.headers["Retry-After"] = "1"
    return error


async def get_pipelines(request: Request) -> Pipelines | None:
    """The process's push connections on PostgreSQL; None on SQLite."""
    pipelines: Pipelines | None = request.app.state.pipelines
    return pipelines


PipelinesDep = Annotated[Pipelines | None, Depends(get_pipelines)]
