"""Sync service throughput and latency, on SQLite and PostgreSQL, printed side by side.

    make bench            (or: .venv/bin/python -m bench.sync_server [--seconds 5])

For each database, a real ``support-circle serve`` process on loopback (one worker process, as
``make run`` starts it, unless ``--workers`` says otherwise) and asyncio clients, each its own
registered device with its own circle:
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

``--workers 1,2`` measures the servers (and the ceiling) with each number of worker processes
(``WORKERS``), side by side in the same way: each row with one worker right before the same row
with two, each against the ceiling run with as many processes.
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


async def pull_latest(client: Client, rounds: int) -> tuple[list[float], int]:
    """Pull rounds as the app makes them, from a cursor 100 changes behind the circle's head: the
    page, with the circle's counters in it (PROTOCOL.md §7, "Pulling"); a server from before they
    came with the page (``--before``) is asked for them first, as the app then did. The times of the
    rounds, and how many requests they took."""
    path = f"/v1/circles/{b64u(client.circle_id)}"
    head = (await client.http.get(path, headers=client.headers)).json()["change_seq"]
    latencies, requests = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        page = await client.http.get(
            f"{path}/changes", params={"since": max(0, head - 100), "limit": 100}, headers=client.headers
        )
        page.raise_for_status()
        requests += 1
        if "circle" not in page.json():
            (await client.http.get(path, headers=client.headers)).raise_for_status()
            requests += 1
        assert len(page.json()["data"]) == min(100, head)
        latencies.append(time.perf_counter() - start)
    return latencies, requests


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


@dataclass(frozen=True)
class Running:
    """A server measured: its url, its database's, and how many worker processes it runs."""

    url: str
    database_url: str
    workers: int


async def measure(servers: dict[str, Running], ceilings: dict[int, str], seconds: float) -> dict[str, Figures]:
    """Every row for each server, one server right after the other, each number of workers' ceiling
    (its url by worker count) right before its servers' single-change rows: a noisy machine then
    weighs on the figures of one row alike."""
    figures: dict[str, Figures] = {name: {} for name in servers}
    named = (lambda name: f"{name:<10}") if len(servers) > 1 else (lambda _name: "")
    clients = {name: [await new_client(s.url) for _ in range(max(CLIENT_COUNTS))] for name, s in servers.items()}
    https = {n: [http_client(url) for _ in range(max(CLIENT_COUNTS))] for n, url in ceilings.items()}
    ceiling: dict[tuple[int, int], Result] = {}
    for batch in (1, 50):
        for count in CLIENT_COUNTS:
            for workers in ceilings:
                if batch == 1:
                    ceiling[workers, count] = await ceiling_load(https[workers][:count], seconds)
                    label = f"w{workers}" if len(ceilings) > 1 else ""
                    row = ceiling[workers, count].row()
                    print(f"{named(label)}ceiling  bare INSERT + COMMIT  clients {count:>3}  {row}")
                for name in (name for name, s in servers.items() if s.workers == workers):
                    result = await push_load(clients[name][:count], batch, seconds)
                    label = f"push  batch {batch:>2}  clients {count:>3}"
                    figures[name][label] = result.rate
                    print(f"{named(name)}{label}  {result.row(ceiling[workers, count].rate)}")
    for name, running in servers.items():
        rounds = await asyncio.gather(*(pull_latest(c, 20) for c in clients[name][:10]))
        latencies = [t for times, _ in rounds for t in times]
        pulled = Result(100 * len(latencies), sum(latencies) / 10, latencies)
        figures[name]["pull  latest 100  clients  10"] = pulled.rate
        # A round is one request, or two on a server from before counters came with the page.
        ratio = sum(requests for _, requests in rounds) / pulled.seconds / ceiling[running.workers, 10].rate
        print(f"{named(name)}pull  latest 100  clients  10  {pulled.row()}  {ratio:5.2f}× ceiling in requests")
    for total in (1_000, 100_000):
        for name, running in servers.items():
            grown = await new_client(running.url)
            fill(running.database_url, grown, total)
            median = statistics.median((await pull_latest(grown, 30))[0])
            figures[name][f"pull  latest 100 of {total:>7,} (median)"] = median
            multiple = median / ceiling[running.workers, 1].p50
            print(
                f"{named(name)}pull  latest 100 of {total:>7,}: median {median * 1000:6.1f} ms"
                f"  {multiple:5.1f}× the ceiling's p50"
            )
            await grown.http.aclose()
    for group in [*https.values(), *([c.http for c in group] for group in clients.values())]:
        for http in group:
            await http.aclose()
    return figures


def compare(before: Figures, after: Figures, names: tuple[str, str] = ("before", "after")) -> None:
    """Two servers side by side: rates, and for the medians, the first's time over the second's."""
    print(f"\n### {names[0]} and {names[1]}, in this run")
    print(f"{'':<38}{names[0]:>10}{names[1]:>10}  {names[1]}/{names[0]}")
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
    workers = int(env.get("WORKERS", "1"))
    # Several workers import the app at once, on a machine others may share: the server is ready
    # when one is, and each is waited for.
    process.start(timeout=30.0 * workers)
    try:
        process.wait_for_workers(workers, timeout=30.0 * workers)
        yield process.url, database_url
    finally:
        process.stop()


def run(database: str, seconds: float, before: Path | None, workers: list[int]) -> None:
    """The ceilings and this checkout's servers, and ``before``'s, all started at once: on
    PostgreSQL they share the one test database (the servers' circles are their own)."""
    print(f"\n## {database}")
    if before is not None:
        print(f"before: the server of {before}; after: this checkout's")
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        shared = None if database == "sqlite" else empty_database(database, Path(folder))
        ceilings, servers = {}, {}
        for n in workers:
            suffix = f" w{n}" if len(workers) > 1 else ""
            env = {**SERVER_ENV, "WORKERS": str(n)}
            at = Path(folder) / f"w{n}"
            at.mkdir()
            ceilings[n], _ = stack.enter_context(
                server(database, at / "ceiling", env, command=CEILING, database_url=shared)
            )
            if before is not None:
                old = {**env, "PYTHONPATH": str(before / "backend")}
                url, database_url = stack.enter_context(server(database, at / "before", old, database_url=shared))
                servers[f"before{suffix}"] = Running(url, database_url, n)
            url, database_url = stack.enter_context(server(database, at / "after", env, database_url=shared))
            servers[f"after{suffix}" if before is not None else suffix.strip()] = Running(url, database_url, n)
        figures = asyncio.run(measure(servers, ceilings, seconds))
    for n in workers:
        suffix = f" w{n}" if len(workers) > 1 else ""
        if before is not None:
            compare(figures[f"before{suffix}"], figures[f"after{suffix}"])
    if len(workers) > 1:
        first, *others = workers
        side = "after " if before is not None else ""
        for n in others:
            names = (f"{first} worker{'s' * (first > 1)}", f"{n} workers")
            compare(figures[f"{side}w{first}"], figures[f"{side}w{n}"], names)


def worker_counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",")]
    if not counts or min(counts) < 1 or len(set(counts)) != len(counts):
        raise argparse.ArgumentTypeError("worker counts are distinct whole numbers from 1, e.g. 1,2")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each push load runs")
    parser.add_argument(
        "--before", type=Path, help="another checkout of the repository: its server is measured first, in the same run"
    )
    parser.add_argument(
        "--workers",
        type=worker_counts,
        default=[1],
        help="server processes (WORKERS), or several counts side by side, e.g. 1,2 (default 1)",
    )
    databases.add_option(parser)
    args = parser.parse_args()
    processes = "one server process" if args.workers == [1] else f"{'/'.join(map(str, args.workers))} server processes"
    print(f"# Sync service on {os.cpu_count()} cores: {processes}, clients in one asyncio process")
    for database in databases.chosen(args):
        run(database, args.seconds, args.before, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
