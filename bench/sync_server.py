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
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert

from bench import databases
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
        author = b64u(self.keys.device_id)
        return [
            {
                "change_id": b64u(primitives.random_bytes(16)),
                "base_seq": None,
                "envelope": records.seal_record(
                    self.keys,
                    RecordRef(self.circle_id, primitives.random_bytes(16), 0),
                    self.key,
                    change_id=primitives.random_bytes(16),
                    hlc=f"1795651200000-0000-{author}",
                    body=BODY,
                ),
            }
            for _ in range(count)
        ]


async def new_client(url: str) -> Client:
    http = httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=4))
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

    def row(self) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        return (
            f"{self.changes / self.seconds:>9,.0f} /s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({len(ordered)} requests)"
        )


async def push_load(clients: list[Client], batch: int, seconds: float) -> Result:
    per_client = max(1, int(4000 * seconds / len(clients) / batch))
    stocks = [[c.seal(batch) for _ in range(per_client)] for c in clients]
    latencies: list[float] = []
    acknowledged = 0
    deadline = time.perf_counter() + seconds

    async def run(client: Client, stock: list[list[dict[str, Any]]]) -> None:
        nonlocal acknowledged
        path = f"/v1/circles/{b64u(client.circle_id)}/changes"
        for changes in stock:
            if time.perf_counter() >= deadline:
                return
            start = time.perf_counter()
            response = await client.http.post(path, json={"changes": changes}, headers=client.headers)
            latencies.append(time.perf_counter() - start)
            response.raise_for_status()
            acknowledged += len(changes)

    start = time.perf_counter()
    await asyncio.gather(*(run(c, s) for c, s in zip(clients, stocks, strict=True)))
    return Result(acknowledged, time.perf_counter() - start, latencies)


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
    engine = create_engine(Settings(database_url=database_url).sqlalchemy_url)
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


async def measure(database: str, url: str, database_url: str, seconds: float) -> None:
    print(f"\n## {database}")
    clients = [await new_client(url) for _ in range(100)]
    for batch in (1, 50):
        for count in (1, 10, 100):
            result = await push_load(clients[:count], batch, seconds)
            print(f"push  batch {batch:>2}  clients {count:>3}  {result.row()}")
    latencies = [t for times in await asyncio.gather(*(pull_latest(c, 20) for c in clients[:10])) for t in times]
    print(f"pull  latest 100  clients  10  {Result(100 * len(latencies), sum(latencies) / 10, latencies).row()}")
    for total in (1_000, 100_000):
        grown = await new_client(url)
        fill(database_url, grown, total)
        times = sorted(await pull_latest(grown, 30))
        print(f"pull  latest 100 of {total:>7,}: median {statistics.median(times) * 1000:6.1f} ms")
        await grown.http.aclose()
    for client in clients:
        await client.http.aclose()


@contextmanager
def server(database: str, folder: Path, env: dict[str, str] = SERVER_ENV) -> Iterator[tuple[str, str]]:
    database_url = empty_database(database, folder)
    process = ServerProcess(data_dir=folder / "data", static_dir=folder / "none", database_url=database_url, env=env)
    process.start()
    try:
        yield process.url, database_url
    finally:
        process.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each push load runs")
    databases.add_option(parser)
    args = parser.parse_args()
    print(f"# Sync service on {os.cpu_count()} cores: one server process, clients in one asyncio process")
    for database in databases.chosen(args):
        with tempfile.TemporaryDirectory() as folder, server(database, Path(folder)) as (url, database_url):
            asyncio.run(measure(database, url, database_url, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
