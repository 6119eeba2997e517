"""Where one single-change push spends its time: round trips to the database, thread hand-offs, and
a profile of the Python it runs, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.push_profile [--pushes 300] [--database postgresql] [--pstats FILE]

The app is served by uvicorn from a thread of this process (``ThreadServer``: real socket, real
HTTP parsing); one signed-in device pushes single-change batches to its own circle, one at a time,
from the main thread. After a warm-up, two passes of ``--pushes`` each:

1. Counted, without a profiler: per push, the server's time (from the ASGI call to its return);
   the database's (PostgreSQL: the time in psycopg's ``Connection.wait``, through which it sends
   every statement, BEGIN and COMMIT, and waits for their answers, whether SQLAlchemy runs them or
   a pipeline on psycopg's own cursor does; SQLite: inside the driver, each statement); what
   SQLAlchemy saw, from its events (``before_cursor_execute``, ``begin``, ``commit``,
   ``rollback``, the pool's ``checkout``) and a wrapper around the dialect's ``do_ping``; and
   thread hand-offs, from a wrapper around ``anyio.to_thread.run_sync`` (through which FastAPI
   runs every ``def`` route and dependency): how many, and the time between asking for a thread
   and running there, and back. The statements SQLAlchemy ran for the last push are listed.
   PostgreSQL: then 20 pushes more with libpq's trace of the pool's connections (``PQtrace``),
   which counts the round trips on the wire (each time the client, having sent, reads an answer),
   whoever sent the statements, and lists the statements each round trip of the last push carried.
2. Profiled with cProfile: a profiler per thread (the event loop's while it handles a request,
   each worker's while it runs a hand-off), merged, so its time reads as one push's; summed by
   package (own time), and the app's own functions by cumulative time. cProfile slows Python
   code more than the database, so read its figures as shares, and pass 1's as milliseconds.

It profiles whatever ``support_circle`` Python imports: ``PYTHONPATH=<other checkout>/backend``
profiles another commit's server with the same script.
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import anyio.to_thread
import httpx
import psycopg
from psycopg import pq
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Engine, event
from starlette.types import ASGIApp, Receive, Scope, Send

from bench import databases
from bench.sync_server import Client, new_client
from support_circle.app import create_app
from support_circle.protocol.encoding import b64u
from support_circle.settings import Settings
from tests.conftest import empty_database
from tests.support.server import ThreadServer

TRACED = 20  # pushes whose round trips libpq traces
# Own time summed under these names, by the first that the function's file path contains.
PACKAGES = (
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "sqlite3",
    "fastapi",
    "starlette",
    "pydantic",
    "anyio",
    "uvicorn",
    "h11",
    "httptools",
    "json",
    "support_circle",
    "asyncio",
    "threading",
)


@dataclass
class Tally:
    """What the requests in one window cost, summed over them."""

    requests: int = 0
    server_seconds: list[float] = field(default_factory=list)
    database_seconds: float = 0.0
    wait_seconds: float = 0.0  # in psycopg's Connection.wait
    statements: int = 0
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0
    pings: int = 0
    checkouts: int = 0
    hops: int = 0
    hop_seconds: float = 0.0
    last_statements: list[str] = field(default_factory=list)
    # Time in the driver by a statement's place in its request, summed over the requests.
    statement_seconds: Counter[int] = field(default_factory=Counter)


class Probe:
    """Counts and times, for the requests the app serves while ``counting``; profiles them while ``profiling``."""

    def __init__(self) -> None:
        self.tally = Tally()
        self.counting = False
        self.profiling = False
        self.profilers: dict[int, cProfile.Profile] = {}
        self._statement_started = 0.0
        self.loop_thread = 0

    def profiler(self) -> cProfile.Profile | None:
        if not self.profiling:
            return None
        return self.profilers.setdefault(threading.get_ident(), cProfile.Profile())

    def wrap_app(self, app: ASGIApp) -> ASGIApp:
        async def profiled(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or not self.counting:
                await app(scope, receive, send)
                return
            self.tally.requests += 1
            self.tally.last_statements = []
            self.loop_thread = threading.get_ident()
            profiler = self.profiler()
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            try:
                await app(scope, receive, send)
            finally:
                if profiler:
                    profiler.disable()
                self.tally.server_seconds.append(time.perf_counter() - started)

        return profiled

    def watch_hand_offs(self) -> None:
        original = anyio.to_thread.run_sync

        async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            if not self.counting:
                return await original(func, *args, **kwargs)
            asked = time.perf_counter()
            ran: list[float] = []

            def inside(*inner: Any) -> Any:
                ran.append(time.perf_counter())
                profiler = self.profiler()
                if profiler:
                    profiler.enable()
                try:
                    return func(*inner)
                finally:
                    if profiler:
                        profiler.disable()
                    ran.append(time.perf_counter())

            try:
                return await original(inside, *args, **kwargs)
            finally:
                self.tally.hops += 1
                if len(ran) == 2:
                    self.tally.hop_seconds += (ran[0] - asked) + (time.perf_counter() - ran[1])

        anyio.to_thread.run_sync = counted  # type: ignore[assignment]

    def watch_driver(self) -> None:
        """Times psycopg's waits for the database: on threads (``Connection.wait``), and on the
        event loop (``AsyncConnection.wait``) those of the connections psycopg_pool lent out (a
        push's, ``pipelines.py``), not the event listener's nor the sign-in counter's."""
        lent: set[int] = set()
        getconn, putconn = AsyncConnectionPool.getconn, AsyncConnectionPool.putconn

        async def lending(pool: AsyncConnectionPool[Any], *args: Any, **kwargs: Any) -> Any:
            connection = await getconn(pool, *args, **kwargs)
            lent.add(id(connection))
            return connection

        async def taking_back(pool: AsyncConnectionPool[Any], connection: Any) -> None:
            lent.discard(id(connection))
            await putconn(pool, connection)

        AsyncConnectionPool.getconn = lending  # type: ignore[method-assign, assignment]
        AsyncConnectionPool.putconn = taking_back  # type: ignore[method-assign, assignment]
        original = psycopg.Connection.wait
        original_async = psycopg.AsyncConnection.wait

        def timed(connection: psycopg.Connection[Any], *args: Any, **kwargs: Any) -> Any:
            if not self.counting:
                return original(connection, *args, **kwargs)
            started = time.perf_counter()
            try:
                return original(connection, *args, **kwargs)
            finally:
                self.tally.wait_seconds += time.perf_counter() - started

        async def timed_async(connection: psycopg.AsyncConnection[Any], *args: Any, **kwargs: Any) -> Any:
            if not self.counting or id(connection) not in lent:
                return await original_async(connection, *args, **kwargs)
            started = time.perf_counter()
            try:
                return await original_async(connection, *args, **kwargs)
            finally:
                self.tally.wait_seconds += time.perf_counter() - started

        psycopg.Connection.wait = timed  # type: ignore[method-assign, assignment]
        psycopg.AsyncConnection.wait = timed_async  # type: ignore[method-assign, assignment]

    def watch_engine(self, engine: Engine) -> None:
        tally = lambda: self.tally  # noqa: E731 - read at each event: a new window gets a new tally

        @event.listens_for(engine, "before_cursor_execute")
        def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if self.counting:
                tally().statements += 1
                tally().last_statements.append(" ".join(statement.split()))
                self._statement_started = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(*_: Any) -> None:
            if self.counting:
                spent = time.perf_counter() - self._statement_started
                tally().database_seconds += spent
                tally().statement_seconds[len(tally().last_statements)] += spent

        @event.listens_for(engine, "begin")
        def begin(connection: Any) -> None:
            # The driver sends BEGIN before a transaction's first statement, but not in autocommit.
            if self.counting and connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                tally().begins += 1

        for name, attribute in (("commit", "commits"), ("rollback", "rollbacks")):
            event.listen(engine, name, self._counter(attribute))
        event.listen(engine.pool, "checkout", self._counter("checkouts"))
        dialect = engine.dialect
        for method, attribute in (("do_ping", "pings"), ("do_commit", None)):
            self._timed(dialect, method, attribute)

    def _counter(self, attribute: str) -> Callable[..., None]:
        def count(*_: Any) -> None:
            if self.counting:
                setattr(self.tally, attribute, getattr(self.tally, attribute) + 1)

        return count

    def _timed(self, dialect: Any, method: str, attribute: str | None) -> None:
        original = getattr(dialect, method)

        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args)
            finally:
                if self.counting:
                    self.tally.database_seconds += time.perf_counter() - started
                    if attribute:
                        setattr(self.tally, attribute, getattr(self.tally, attribute) + 1)

        setattr(dialect, method, timed)


@contextmanager
def served(database: str, folder: Path, probe: Probe) -> Iterator[tuple[str, Any]]:
    settings = Settings(
        database_url=empty_database(database, folder),
        data_dir=folder / "data",
        static_dir=folder / "none",
        registration="open",
        rate_limit_per_minute=10_000_000,
        anonymous_rate_per_minute=1_000_000,
        registrations_per_minute=1_000_000,
        device_quota_bytes=10 * 1024**3,
        log_level="warning",
    )
    app = create_app(settings)
    with ThreadServer(probe.wrap_app(app)) as server:  # type: ignore[arg-type]
        yield server.url, app


async def signed_in(url: str) -> Client:
    client = await new_client(url)
    await client.http.aclose()  # its loop ends here: the pushes use a client of their own
    return client


def push(http: httpx.Client, client: Client, count: int, batch: int = 1) -> None:
    path = f"/v1/circles/{b64u(client.circle_id)}/changes"
    bodies = [{"changes": client.seal(batch)} for _ in range(count)]
    for body in bodies:
        http.post(path, json=body, headers=client.headers).raise_for_status()


class Wire:
    """PostgreSQL: what the pools' connections sent while ``tracing``, from libpq's trace: those of
    SQLAlchemy's pool, and those of psycopg_pool's, which a push has on the event loop
    (``pipelines.py``; servers from before it pushed on SQLAlchemy's).

    Counted from SQLAlchemy's events, a push run on psycopg's own cursor would seem to send
    nothing, and statements sent together would seem to cost a round trip each.
    """

    CHECKIN = "#checkin"

    def __init__(self, engine: Engine, file: IO[bytes]) -> None:
        self.tracing = False
        self._file = file
        self._traced: set[int] = set()
        event.listen(engine.pool, "checkout", self._trace)
        event.listen(engine.pool, "checkin", self._untrace)
        self._watch_async_pool()

    def _watch_async_pool(self) -> None:
        getconn, putconn = AsyncConnectionPool.getconn, AsyncConnectionPool.putconn

        async def traced_getconn(pool: AsyncConnectionPool[Any], *args: Any, **kwargs: Any) -> Any:
            connection = await getconn(pool, *args, **kwargs)
            self._trace(connection)
            return connection

        async def untraced_putconn(pool: AsyncConnectionPool[Any], connection: Any) -> None:
            self._untrace(connection)
            await putconn(pool, connection)

        AsyncConnectionPool.getconn = traced_getconn  # type: ignore[method-assign, assignment]
        AsyncConnectionPool.putconn = untraced_putconn  # type: ignore[method-assign, assignment]

    def _trace(self, dbapi_connection: Any, *_: Any) -> None:
        if self.tracing:
            dbapi_connection.pgconn.trace(self._file.fileno())
            dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
            self._traced.add(id(dbapi_connection))

    def _untrace(self, dbapi_connection: Any, *_: Any) -> None:
        if dbapi_connection is not None and id(dbapi_connection) in self._traced:
            self._traced.discard(id(dbapi_connection))
            dbapi_connection.pgconn.untrace()  # writes out what libpq holds of the trace
            os.write(self._file.fileno(), f"{self.CHECKIN}\n".encode())

    def checkouts(self) -> list[list[list[str]]]:
        """Per checkout, its round trips, each the statements the client sent before reading."""
        self._file.seek(0)
        messages: list[str] = []
        for line in self._file.read().decode(errors="replace").splitlines():
            if line.startswith(("F\t", "B\t", self.CHECKIN)) or not messages:
                messages.append(line)
            else:  # a statement's text goes on over several lines
                messages[-1] += " " + line
        checkouts: list[list[list[str]]] = [[]]
        sending = False
        prepared: dict[str, str] = {}  # a prepared statement's name, and its text
        for message in messages:
            if message == self.CHECKIN:
                checkouts.append([])
                sending = False
                continue
            direction, _length, kind, *rest = [*message.split("\t"), ""]
            if direction == "B":
                sending = False
            elif direction == "F":
                if not sending:
                    checkouts[-1].append([])
                    sending = True
                if kind == "Query":
                    checkouts[-1][-1].append(rest[0].strip()[1 : rest[0].strip().rindex('"')])
                elif kind == "Parse":
                    name, text = _parsed(rest[0])
                    prepared[name] = text
                    if not name:  # a named one is run by the Bind that follows
                        checkouts[-1][-1].append(text)
                elif kind == "Bind" and (name := rest[0].split('"')[3]):
                    checkouts[-1][-1].append(prepared.get(name, f"(prepared {name})"))
        return [trips for trips in checkouts if trips]


def _parsed(fields: str) -> tuple[str, str]:
    """A traced Parse's statement name (empty: unnamed) and SQL: ``"name" "text" 1 NNNN``, its
    parameters' types after the text, which may itself hold double quotes."""
    fields = fields.strip()
    name_ends = fields.index('"', 1)
    return fields[1:name_ends], fields[name_ends + 3 : fields.rindex('"')]


def per_push(tally: Tally, database: str, wire: list[list[list[str]]] | None) -> None:
    n = tally.requests
    print(f"pushes {n}; per push:")
    print(
        f"  server time      median {statistics.median(tally.server_seconds) * 1000:5.2f} ms"
        f"  mean {statistics.mean(tally.server_seconds) * 1000:5.2f} ms"
    )
    if database == "postgresql":
        print(f"  database time    mean {tally.wait_seconds / n * 1000:5.2f} ms (in psycopg's waits for answers)")
    else:
        print(f"  database time    mean {tally.database_seconds / n * 1000:5.2f} ms (inside the driver)")
    seen = tally.statements + tally.begins + tally.commits + tally.pings
    if wire:
        trips = [len(checkout) for checkout in wire]
        print(f"  round trips      {statistics.mean(trips):5.1f} on the wire (libpq's trace of {len(trips)} pushes)")
    print(
        f"  SQLAlchemy saw   {seen / n:5.1f}: statements {tally.statements / n:.1f},"
        f" BEGIN {tally.begins / n:.1f}, COMMIT {tally.commits / n:.1f}, pre-pings {tally.pings / n:.1f}"
        f" (rollbacks {tally.rollbacks / n:.1f}, pool checkouts {tally.checkouts / n:.1f})"
    )
    print(f"  thread hand-offs {tally.hops / n:5.1f}, their wait {tally.hop_seconds / n * 1000:5.2f} ms")
    if tally.last_statements:
        print("  statements SQLAlchemy ran for the last push, with each one's mean time in the driver:")
        for number, statement in enumerate(tally.last_statements, 1):
            print(f"    {number:>2}. {tally.statement_seconds[number] / n * 1000:5.2f} ms  {shorten(statement)}")
    if wire:
        print("  round trips of the last traced push, with the statements each one carried:")
        for number, statements in enumerate(wire[-1], 1):
            print(f"    {number:>2}. {' | '.join(shorten(statement, 70) for statement in statements)}")


def shorten(statement: str, width: int = 150) -> str:
    statement = re.sub(r"\s+", " ", statement)
    return statement if len(statement) <= width else statement[: width - 3] + "..."


def profile_report(probe: Probe, pushes: int, out: Path | None) -> None:
    merged = pstats.Stats(*probe.profilers.values())  # type: ignore[arg-type]
    if out:
        merged.dump_stats(out)
    entries: dict[Any, Any] = merged.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in entries.values())
    by_package: Counter[str] = Counter()
    for (filename, _line, _name), row in entries.items():
        package = next((p for p in PACKAGES if p in filename), "other" if filename != "~" else "builtins")
        by_package[package] += row[2]
    print(f"cProfile, own time per push by package (all threads, {total / pushes * 1000:.2f} ms under the profiler):")
    for package, seconds in by_package.most_common():
        print(f"  {package:<16} {seconds / pushes * 1000:6.2f} ms  {seconds / total:6.1%}")
    for where, profilers in (
        ("event loop thread", [p for t, p in probe.profilers.items() if t == probe.loop_thread]),
        ("worker threads", [p for t, p in probe.profilers.items() if t != probe.loop_thread]),
    ):
        part: dict[Any, Any] = pstats.Stats(*profilers).stats if profilers else {}  # type: ignore[arg-type, attr-defined]
        spent = sum(row[2] for row in part.values())
        waiting = sum(row[2] for (_f, _l, name), row in part.items() if "epoll" in name or "_thread.lock" in name)
        per = 1000 / pushes
        print(f"  {where:<18} {spent * per:6.2f} ms, of which waiting (epoll, locks) {waiting * per:6.2f} ms")
    # C functions: the driver's calls, waits for a thread (the loop's epoll) or a lock, and the rest.
    print("  builtins, the largest:")
    builtins = [(row[2], name) for (filename, _line, name), row in entries.items() if filename == "~"]
    for seconds, name in sorted(builtins, reverse=True)[:6]:
        print(f"    {seconds / pushes * 1000:6.2f} ms  {name}")
    print("  the app's functions by cumulative time per push (each thread's own part):")
    own = [
        (row[3], name, filename)
        for (filename, _line, name), row in entries.items()
        if "support_circle" in filename and "/protocol/" not in filename
    ]
    for cumulative, name, filename in sorted(own, reverse=True)[:12]:
        where = filename.split("support_circle/")[-1]
        print(f"    {cumulative / pushes * 1000:6.2f} ms  {where}:{name}")


def run(database: str, pushes: int, batch: int, out: Path | None) -> None:
    print(f"\n## {database}")
    probe = Probe()
    probe.watch_hand_offs()
    probe.watch_driver()
    with (
        tempfile.TemporaryDirectory() as folder,
        tempfile.TemporaryFile() as trace,
        served(database, Path(folder), probe) as (url, app),
    ):
        probe.watch_engine(app.state.engine)
        wire = Wire(app.state.engine, trace) if database == "postgresql" else None
        client = asyncio.run(signed_in(url))
        with httpx.Client(base_url=url, timeout=60) as http:
            # Warm-up: caches, pool, statement compilation; traced, so that statements prepared
            # on the server then are named by their text in the traced pushes.
            if wire:
                wire.tracing = True
            push(http, client, 50)
            if wire:
                wire.tracing = False
            probe.counting = True
            push(http, client, pushes, batch)
            probe.counting = False
            if wire:
                wire.tracing = True
                push(http, client, TRACED, batch)
                wire.tracing = False
            per_push(probe.tally, database, wire.checkouts()[-TRACED:] if wire else None)
            probe.tally = Tally()
            probe.counting = True
            probe.profiling = True
            push(http, client, pushes, batch)
            probe.counting = probe.profiling = False
            profile_report(probe, pushes, out.with_suffix(f".{database}.pstats") if out else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pushes", type=int, default=300, help="pushes in each pass")
    parser.add_argument("--batch", type=int, default=1, help="changes in each push")
    parser.add_argument("--pstats", type=Path, help="also write the merged profile here (python -m pstats reads it)")
    databases.add_option(parser)
    args = parser.parse_args()
    print(f"# One push of {args.batch}, profiled: uvicorn in a thread of this process, one device pushing")
    for database in databases.chosen(args):
        run(database, args.pushes, args.batch, args.pstats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
