"""Sync service throughput and latency, on SQLite and PostgreSQL, printed side by side.

    make bench            (or: .venv/bin/python -m bench.sync_server [--seconds 5])

For each database, a real ``support-circle serve`` process on loopback (one process, as
``make run`` starts it) and asyncio clients, each its own registered device with its own circle:
- push: 1, 10 and 100 concurrent clients, pushing batches of 1 and of 50 new records for a fixed
  time; changes acknowledged per second and request latency p50/p99;
- pull: 10 clients pulling the latest 100 changes of their circle;
- growth: the time to pull the latest 100 changes from a circle holding 1,000 and 100,000.

Records are sealed before the clock starts (client crypto is measured in protocol_python.py), so
the figures are the server's. The 100,000-change circle is filled by inserting copies of sealed
envelopes straight into the database: its pull reads the same rows a pushed log would hold.
PostgreSQL uses the test database ``make test`` creates (TEST_DATABASE_URL overrides it).

The framework's ceiling is measured in the same run, first: ``bare_endpoint.py`` (one INSERT and
COMMIT per request, nothing else) started the same way, sent the same single-change bodies by the
same clients at 1, 10 and 100 at once. Each push and pull figure is then also printed as a ratio
of that ceiling at the same number of clients: changes per second over the ceiling's requests per
second for pushes (docs/architecture.md §9 asks ≥ 0.6× for single changes and ≥ 10× for batches
of 50 at 10 clients on PostgreSQL), requests per second for pulls, and for the pulls from a grown
circle the median time as a multiple of the ceiling's p50 with one client.

``--before CHECKOUT`` also measures the server of another checkout (its ``backend`` first on
PYTHONPATH, this interpreter and bench), each row right before this checkout's, and prints the two
side by side: on a shared machine only figures of one run compare, and best those taken together.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from bench import databases
from support_circle.db import create_db_engine
from support_circle.models import Change
from support_circle.protocol import circle_keys, membership, primitives, records
from support_circle.protocol.auth import sign_challenge
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.records import RecordRef
from support_circle.settings import Settings
from tests.conftest import empty_database
from tests.support.server import ServerProcess

BODY = {"kind": "note", "text": "x" * 200}
CLIENT_COUNTS = (1, 10, 100)
SERVE = ("-m", "support_circle", "serve")
CEILING = ("-m", "bench.bare_endpoint")
SERVER_ENV = {"RATE_LIMIT_PER_MINUTE": "10000000", "DEVICE_QUOTA_BYTES": str(10 * 1024**3), "LOG_LEVEL": "warning"}


@dataclass
class Client:
    """A device with a circle of its own and a stock of sealed records to push."""

    keys: DeviceKeys
    token: str
    circle_id: bytes
    key: bytes
    http: httpx.AsyncClient

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def seal(self, count: int) -> list[dict[str, Any]]:
        return seal(self.keys, self.circle_id, self.key, count)


def seal(keys: DeviceKeys, circle_id: bytes, key: bytes, count: int) -> list[dict[str, Any]]:
    """``count`` new records of ``BODY`` as a push names them, sealed by ``keys`` for the circle."""
    author = b64u(keys.device_id)
    return [
        {
            "change_id": b64u(primitives.random_bytes(16)),
            "base_seq": None,
            "envelope": records.seal_record(
                keys,
                RecordRef(circle_id, primitives.random_bytes(16), 0),
                key,
                change_id=primitives.random_bytes(16),
                hlc=f"1795651200000-0000-{author}",
                body=BODY,
            ),
        }
        for _ in range(count)
    ]


def http_client(url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=4))


async def new_client(url: str) -> Client:
    http = http_client(url)
    keys = DeviceKeys.generate()
    device_id = b64u(keys.device_id)
    (await http.post("/v1/devices", json={"identity": keys.identity()})).raise_for_status()
    server_id = unb64u((await http.get("/v1/server")).json()["server_id"])
    challenge = (await http.post("/v1/auth/challenge", json={"device_id": device_id})).json()["challenge"]
    signature = b64u(sign_challenge(keys, server_id, unb64u(challenge)))
    answer = await http.post(
        "/v1/auth/token", json={"device_id": device_id, "challenge": challenge, "signature": signature}
    )
    token = answer.json()["token"]
    circle_id, key = primitives.random_bytes(16), circle_keys.new_epoch_key()
    body = {
        "circle_id": b64u(circle_id),
        "genesis": membership.genesis(keys, circle_id, key),
        "key_envelope": circle_keys.seal_key_envelope(circle_id, 0, keys.public, key),
    }
    (await http.post("/v1/circles", json=body, headers={"Authorization": f"Bearer {token}"})).raise_for_status()
    return Client(keys, token, circle_id, key, http)


@dataclass
class Result:
    changes: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.changes / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    def row(self, ceiling: float | None = None) -> str:
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        ratio = f"  {self.rate / ceiling:5.2f}× ceiling" if ceiling else ""
        return (
            f"{self.rate:>9,.0f} /s  p50 {self.p50 * 1000:6.1f} ms  p99 {p99:6.1f} ms  ({len(ordered)} requests){ratio}"
        )


# Each sender posts its bodies one after the other to one path: (client, path, headers, bodies).
Sender = tuple[httpx.AsyncClient, str, dict[str, str], list[dict[str, Any]]]


async def post_load(senders: list[Sender], seconds: float) -> Result:
    """Every sender at once for ``seconds``: changes acknowledged, and each request's latency."""
    latencies: list[float] = []
    acknowledged = 0
    deadline = time.perf_counter() + seconds

    async def run(http: httpx.AsyncClient, path: str, headers: dict[str, str], bodies: list[dict[str, Any]]) -> None:
        nonlocal acknowledged
        for body in bodies:
            if time.perf_counter() >= deadline:
                return
            start = time.perf_counter()
            response = await http.post(path, json=body, headers=headers)
            latencies.append(time.perf_counter() - start)
            response.raise_for_status()
            acknowledged += len(body["changes"])

    start = time.perf_counter()
    await asyncio.gather(*(run(*sender) for sender in senders))
    return Result(acknowledged, time.perf_counter() - start, latencies)


def stock(count: int, batch: int, seconds: float) -> int:
    """Bodies each of ``count`` clients seals beforehand: more than it can send in ``seconds``."""
    return max(1, int(4000 * seconds / count / batch))


async def push_load(clients: list[Client], batch: int, seconds: float) -> Result:
    per_client = stock(len(clients), batch, seconds)
    senders: list[Sender] = [
        (
            c.http,
            f"/v1/circles/{b64u(c.circle_id)}/changes",
            c.headers,
            [{"changes": c.seal(batch)} for _ in range(per_client)],
        )
        for c in clients
    ]
    return await post_load(senders, seconds)


async def ceiling_load(https: list[httpx.AsyncClient], seconds: float) -> Result:
    """The bare endpoint sent single-change pushes by each of ``https`` at once."""
    keys, circle_id, key = DeviceKeys.generate(), primitives.random_bytes(16), circle_keys.new_epoch_key()
    per_client = stock(len(https), 1, seconds)
    senders: list[Sender] = [
        (http, "/bare", {}, [{"changes": seal(keys, circle_id, key, 1)} for _ in range(per_client)]) for http in https
    ]
    return await post_load(senders, seconds)


async def pull_latest(client: Client, rounds: int) -> list[float]:
    path = f"/v1/circles/{b64u(client.circle_id)}"
    latencies = []
    for _ in range(rounds):
        start = time.perf_counter()
        head = (await client.http.get(path, headers=client.headers)).json()["change_seq"]
        page = await client.http.get(
            f"{path}/changes", params={"since": max(0, head - 100), "limit": 100}, headers=client.headers
        )
        page.raise_for_status()
        assert len(page.json()["data"]) == min(100, head)
        latencies.append(time.perf_counter() - start)
    return latencies


def fill(database_url: str, client: Client, total: int) -> None:
    """Grows the client's circle to ``total`` changes by copying sealed envelopes into the log."""
    samples = [c["envelope"] for c in client.seal(100)]
    engine = create_db_engine(Settings(database_url=database_url).sqlalchemy_url)  # stored as the server stores
    now = datetime.now(UTC)
    device_id = b64u(client.keys.device_id)
    cid = b64u(client.circle_id)
    with engine.begin() as connection:
        rows = [
            {
                "circle_id": cid,
                "seq": seq,
                "change_id": b64u(primitives.random_bytes(16)),
                "record_id": samples[seq % 100]["record_id"],
                "epoch": 0,
                "envelope": samples[seq % 100],
                "size": len(unb64u(samples[seq % 100]["ct"])),
                "device_id": device_id,
                "created_at": now,
            }
            for seq in range(1, total + 1)
        ]
        for start in range(0, total, 5000):
            connection.execute(insert(Change), rows[start : start + 5000])
        connection.exec_driver_sql(f"UPDATE circle SET change_seq = {total} WHERE id = '{cid}'")
    engine.dispose()


# What one server measured, by row: requests or changes per second, or a median in seconds.
Figures = dict[str, float]


async def measure(servers: dict[str, tuple[str, str]], ceiling_url: str, seconds: float) -> dict[str, Figures]:
    """Every row for each server (name: its url and database url), one server right after the
    other, the ceiling right before each number of clients' single-change rows: a noisy machine
    then weighs on the figures of one row alike."""
    figures: dict[str, Figures] = {name: {} for name in servers}
    named = (lambda name: f"{name:<7}") if len(servers) > 1 else (lambda _name: "")
    clients = {name: [await new_client(url) for _ in range(max(CLIENT_COUNTS))] for name, (url, _) in servers.items()}
    https = [http_client(ceiling_url) for _ in range(max(CLIENT_COUNTS))]
    ceiling: dict[int, Result] = {}
    for batch in (1, 50):
        for count in CLIENT_COUNTS:
            if batch == 1:
                ceiling[count] = await ceiling_load(https[:count], seconds)
                print(f"{named('')}ceiling  bare INSERT + COMMIT  clients {count:>3}  {ceiling[count].row()}")
            for name in servers:
                result = await push_load(clients[name][:count], batch, seconds)
                label = f"push  batch {batch:>2}  clients {count:>3}"
                figures[name][label] = result.rate
                print(f"{named(name)}{label}  {result.row(ceiling[count].rate)}")
    for name in servers:
        rounds = await asyncio.gather(*(pull_latest(c, 20) for c in clients[name][:10]))
        latencies = [t for times in rounds for t in times]
        pulled = Result(100 * len(latencies), sum(latencies) / 10, latencies)
        figures[name]["pull  latest 100  clients  10"] = pulled.rate
        # Two requests a round (the circle's head, then the page): the ratio is of requests per second.
        ratio = 2 * len(latencies) / pulled.seconds / ceiling[10].rate
        print(f"{named(name)}pull  latest 100  clients  10  {pulled.row()}  {ratio:5.2f}× ceiling in requests")
    for total in (1_000, 100_000):
        for name, (url, database_url) in servers.items():
            grown = await new_client(url)
            fill(database_url, grown, total)
            median = statistics.median(await pull_latest(grown, 30))
            figures[name][f"pull  latest 100 of {total:>7,} (median)"] = median
            multiple = median / ceiling[1].p50
            print(
                f"{named(name)}pull  latest 100 of {total:>7,}: median {median * 1000:6.1f} ms"
                f"  {multiple:5.1f}× the ceiling's p50"
            )
            await grown.http.aclose()
    for http in [*https, *(c.http for group in clients.values() for c in group)]:
        await http.aclose()
    return figures


def compare(before: Figures, after: Figures) -> None:
    """The two servers side by side: rates, and for the medians, before's time over after's."""
    print("\n### before and after, in this run")
    print(f"{'':<38}{'before':>10}{'after':>10}  after/before")
    for label, now in after.items():
        then = before[label]
        if label.endswith("(median)"):
            print(f"{label:<38}{then * 1000:>7.1f} ms{now * 1000:>7.1f} ms  {then / now:5.2f}× faster")
        else:
            print(f"{label:<38}{then:>8,.0f}/s{now:>8,.0f}/s  {now / then:5.2f}×")


@contextmanager
def server(
    database: str,
    folder: Path,
    env: dict[str, str] = SERVER_ENV,
    command: tuple[str, ...] = SERVE,
    database_url: str | None = None,
) -> Iterator[tuple[str, str]]:
    """A server process on an empty database, or on ``database_url`` as it is."""
    folder.mkdir(exist_ok=True)
    database_url = database_url or empty_database(database, folder)
    process = ServerProcess(
        data_dir=folder / "data", static_dir=folder / "none", database_url=database_url, env=env, command=command
    )
    process.start()
    try:
        yield process.url, database_url
    finally:
        process.stop()


def run(database: str, seconds: float, before: Path | None) -> None:
    """The ceiling and this checkout's server, and ``before``'s, all started at once: on
    PostgreSQL they share the one test database (the servers' circles are their own)."""
    print(f"\n## {database}")
    if before is not None:
        print(f"before: the server of {before}; after: this checkout's")
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        shared = None if database == "sqlite" else empty_database(database, Path(folder))
        ceiling_url, _ = stack.enter_context(
            server(database, Path(folder) / "ceiling", command=CEILING, database_url=shared)
        )
        servers = {}
        if before is not None:
            env = {**SERVER_ENV, "PYTHONPATH": str(before / "backend")}
            servers["before"] = stack.enter_context(server(database, Path(folder) / "before", env, database_url=shared))
        servers["after"] = stack.enter_context(server(database, Path(folder) / "after", database_url=shared))
        figures = asyncio.run(measure(servers, ceiling_url, seconds))
    if before is not None:
        compare(figures["before"], figures["after"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each push load runs")
    parser.add_argument(
        "--before", type=Path, help="another checkout of the repository: its server is measured first, in the same run"
    )
    databases.add_option(parser)
    args = parser.parse_args()
    print(f"# Sync service on {os.cpu_count()} cores: one server process, clients in one asyncio process")
    for database in databases.chosen(args):
        run(database, args.seconds, args.before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
