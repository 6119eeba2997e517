"""Sign-in without reading the token per request: each server process keeps the bearer tokens it
has checked, by their SHA-256 as the database keeps them (never the token itself), with the device
each signs in and when the entry ends (``TOKEN_CACHE_SECONDS``, never past the token's expiry).

A cached sign-in never outlives a revocation, in any process. Whenever a token row is deleted or
changed — a sign-out, a newer sign-in ending the oldest, a purge of its device (by cascade), an
operator by hand — a trigger adds one to ``token_revocation.epoch`` in the same transaction
(migration 0007). Before answering from memory, a process reads that one-row table and empties its
cache if the number moved; a sign-in read from the database is kept only if no revocation was
learnt while it was read. So a revoked token's very next request is refused, whichever process it
reaches. The read costs far less than the token look-up it replaces:

- SQLite: on a connection kept for it, from the calling thread (the event loop for async routes):
  a few microseconds, no thread hop, no pool, no SQLAlchemy.
- PostgreSQL: on an async connection kept for it, on the event loop, no thread hop, no pool; the
  requests that arrive while one read is on its way share the next one (which starts after they
  arrived, so it sees every revocation committed before them): under load one round trip answers
  many requests.

LISTEN/NOTIFY alone would save even that round trip, but a notification reaches other processes
some time after the revoking transaction commits, and a request that overtakes it would still be
let in: a weaker promise than this one (docs/threat-model.md).
"""

import asyncio
import contextlib
import hashlib
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import psycopg
import sqlalchemy as sa
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from support_circle.db import libpq_conninfo, reading, retried_if_disconnected
from support_circle.models import AuthToken

log = logging.getLogger(__name__)

EPOCH_QUERY = "SELECT epoch FROM token_revocation WHERE id = 1"
CONNECT_TIMEOUT_SECONDS = 5
EPOCH_BUSY_TIMEOUT_MS = 20

_token = AuthToken.__table__  # type: ignore[attr-defined]
_SIGN_IN = sa.select(_token.c.device_id, _token.c.expires_at).where(
    _token.c.token_hash == sa.bindparam("token_hash"), _token.c.expires_at > sa.bindparam("now")
)

# Reads the revocation epoch; None when it cannot be read (then nothing is answered from memory).
EpochReader = Callable[[], Awaitable[int | None]]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SqliteEpoch:
    """Reads the epoch on a SQLite connection of its own, on the event loop. In WAL mode a read
    does not wait for writers; should it find the database busy all the same (a recovery after a
    crash), it gives up after ``EPOCH_BUSY_TIMEOUT_MS`` and the request reads its token in a
    worker thread, so the loop never waits long."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.execute(f"PRAGMA busy_timeout={EPOCH_BUSY_TIMEOUT_MS}")
        self._lock = threading.Lock()

    async def read(self) -> int | None:
        try:
            with self._lock:
                # All rows, so the statement ends: an open read would hold back WAL checkpoints.
                rows = self._connection.execute(EPOCH_QUERY).fetchall()
        except sqlite3.Error:
            return None  # e.g. the table is not there yet: every request reads its token
        return int(rows[0][0]) if rows else None

    async def close(self) -> None:
        with self._lock:
            self._connection.close()


class PostgresEpoch:
    """Reads the epoch on an async PostgreSQL connection of its own, on the event loop. A request
    that arrives while a read is on its way waits for the next, which answers all such requests:
    it is sent after they arrived, so it sees every revocation committed before them."""

    def __init__(self, sqlalchemy_url: str) -> None:
        self._conninfo = libpq_conninfo(sqlalchemy_url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
        self._connection: psycopg.AsyncConnection[tuple[int]] | None = None
        self._reading = False
        self._waiting: list[asyncio.Future[int | None]] = []
        self._server: asyncio.Task[None] | None = None

    async def read(self) -> int | None:
        if self._reading:
            future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
            self._waiting.append(future)
            return await future
        # Nobody reading: this request reads for itself (no task, no future: one client's case).
        self._reading = True
        try:
            return await self._query()
        finally:
            self._hand_over()

    def _hand_over(self) -> None:
        """Those who queued meanwhile get a read of their own, by a task that reads until none wait."""
        if self._waiting:
            self._server = asyncio.get_running_loop().create_task(self._serve(), name="token-epoch")
        else:
            self._reading = False

    async def _serve(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                epoch = await self._query()
                for future in batch:
                    if not future.done():
                        future.set_result(epoch)
        finally:
            for future in self._waiting:  # cancelled at shutdown: nobody answers from memory
                if not future.done():
                    future.set_result(None)
            self._waiting = []
            self._reading = False
            self._server = None

    async def _query(self) -> int | None:
        for _attempt in range(2):  # a connection found dead is replaced once
            try:
                if self._connection is None or self._connection.closed:
                    self._connection = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
                cursor = await self._connection.execute(EPOCH_QUERY, prepare=True)
                row = await cursor.fetchone()
                return int(row[0]) if row else None
            except (psycopg.Error, OSError) as exc:
                # The error's type only: its text may hold the connection string.
                log.warning("could not read the token revocation counter (%s)", type(exc).__name__)
                await self._drop()
            except asyncio.CancelledError:
                # Its request went away mid-read: the connection's state is unknown, use a new one.
                connection, self._connection = self._connection, None
                if connection is not None:
                    asyncio.get_running_loop().create_task(connection.close())
                raise
        return None

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await connection.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._server
        await self._drop()


class _Never:
    """No second connection reaches this database (SQLite in memory): nothing is cached."""

    async def read(self) -> int | None:
        return None

    async def close(self) -> None:
        pass


class SignInCache:
    """token hash -> (device id, when the entry ends), for at most ``max_entries`` tokens;
    ``ttl_seconds`` 0 turns it off. Thread-safe; ``check`` and ``device_id`` run on the event loop."""

    def __init__(
        self,
        engine: Engine,
        epoch: SqliteEpoch | PostgresEpoch | _Never,
        ttl_seconds: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._epoch = epoch
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0  # one more for every revocation learnt
        self._seen_epoch: int | None = None

    @classmethod
    def for_engine(cls, engine: Engine, ttl_seconds: float, max_entries: int) -> "SignInCache":
        epoch: SqliteEpoch | PostgresEpoch | _Never
        if engine.dialect.name == "postgresql":
            epoch = PostgresEpoch(engine.url.render_as_string(hide_password=False))
        elif engine.url.database and engine.url.database != ":memory:":
            epoch = SqliteEpoch(engine.url.database)
        else:
            epoch = _Never()
        return cls(engine, epoch, ttl_seconds, max_entries)

    async def close(self) -> None:
        await self._epoch.close()

    async def check(self, hashed: str) -> tuple[str | None, int | None]:
        """The device the token of hash ``hashed`` signs in, from memory; else (None, the
        generation to ``read`` it under), or (None, None) when nothing read now may be kept."""
        if self._ttl <= 0:
            return None, None
        epoch = await self._epoch.read()
        now = self._clock()
        with self._lock:
            if epoch is None:
                return None, None
            if epoch != self._seen_epoch:
                self._seen_epoch = epoch
                self._generation += 1
                self._entries.clear()
            entry = self._entries.get(hashed)
            if entry is not None:
                if entry[1] > now:
                    return entry[0], None
                del self._entries[hashed]
            return None, self._generation

    async def device_id(self, hashed: str) -> str | None:
        """The device the token of hash ``hashed`` signs in, or None: from memory, else read in a
        worker thread."""
        device_id, generation = await self.check(hashed)
        if device_id is not None:
            return device_id
        return await run_in_threadpool(self.read, hashed, generation)

    def read(self, hashed: str, generation: int | None) -> str | None:
        """The database's answer for ``hashed`` (blocking), kept if ``generation`` is still the
        current one: one statement on a connection of its own in autocommit; it only reads, so a
        dead connection is retried."""
        parameters = {"token_hash": hashed, "now": datetime.now(UTC)}

        def read() -> sa.Row[tuple[str, datetime]] | None:
            with reading(self._engine) as connection:
                return connection.execute(_SIGN_IN, parameters).first()

        row = retried_if_disconnected(read)
        if row is None:
            return None
        device_id: str = row.device_id
        if generation is not None:
            self._keep(generation, hashed, device_id, row.expires_at)
        return device_id

    def _keep(self, generation: int, hashed: str, device_id: str, expires_at: datetime) -> None:
        ends = self._clock() + min(self._ttl, (expires_at - datetime.now(UTC)).total_seconds())
        with self._lock:
            if generation != self._generation:
                return  # a revocation was learnt while it was read: the answer may be stale
            self._entries[hashed] = (device_id, ends)
            self._entries.move_to_end(hashed)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
