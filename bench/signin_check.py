"""What the sign-in check costs one request, on SQLite and PostgreSQL: reading the token from the
database (as every request did before the sign-in cache, and as a cache miss still does) beside
answering from the cache after its read of the revocation counter (token_cache.py).

    .venv/bin/python -m bench.signin_check [--checks 2000] [--database postgresql]

The app runs in process (its lifespan, its engine, its cache, on the event loop of a TestClient);
one device signs in; then, on that loop, ``--checks`` checks one after the other and the same
number split over 10 and 100 concurrent tasks, each way:

- read: what ``deps.signed_in_device_id`` did for every request before, a hand-off to a worker
  thread that checks a connection out of the pool and reads the token (``SignInCache.read``);
- cached: what it does now when the token was seen before, the revocation counter read (SQLite:
  its own connection, on the loop; PostgreSQL: its own async connection, concurrent checks sharing
  one read) and the look-up in memory (``SignInCache.check``).

Printed: microseconds per check (wall time over checks), and the ratio.
"""

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi.testclient import TestClient
from starlette.concurrency import run_in_threadpool

from bench import databases
from support_circle.app import create_app
from support_circle.settings import Settings
from support_circle.token_cache import SignInCache, token_hash
from tests.api.helpers import signed_in
from tests.conftest import empty_database

CONCURRENCY = (1, 10, 100)


async def timed(check: Callable[[], Awaitable[object]], checks: int, tasks: int) -> float:
    """Seconds per check, ``checks`` of them split over ``tasks`` concurrent tasks."""

    async def run(count: int) -> None:
        for _ in range(count):
            await check()

    started = time.perf_counter()
    await asyncio.gather(*(run(checks // tasks) for _ in range(tasks)))
    return (time.perf_counter() - started) / (checks // tasks * tasks)


def run(database: str, checks: int) -> None:
    print(f"\n## {database}: {checks} checks each way, microseconds per check")
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=empty_database(database, Path(folder)),
            data_dir=Path(folder) / "data",
            static_dir=Path(folder) / "none",
            registration="open",
            log_level="warning",
        )
        app = create_app(settings)
        with TestClient(app) as client:
            hashed = token_hash(signed_in(client).token)
            cache: SignInCache = app.state.sign_ins

            async def read() -> object:
                return await run_in_threadpool(cache.read, hashed, None)

            async def cached() -> object:
                device_id, _ = await cache.check(hashed)
                assert device_id is not None
                return device_id

            async def measure() -> None:
                await cache.device_id(hashed)  # into the cache
                for _ in range(100):  # warm-up: the pool, the threads, statement compilation
                    await read()
                    await cached()
                print(f"{'clients':>8}{'read':>10}{'cached':>10}{'ratio':>9}")
                for tasks in CONCURRENCY:
                    before = await timed(read, checks, tasks)
                    after = await timed(cached, checks, tasks)
                    print(f"{tasks:>8}{before * 1e6:>10.0f}{after * 1e6:>10.0f}{before / after:>8.1f}×")

            assert client.portal is not None
            client.portal.call(measure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=2000)
    databases.add_option(parser)
    args = parser.parse_args()
    for database in databases.chosen(args):
        run(database, args.checks)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
