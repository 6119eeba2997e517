"""Appending one membership entry to a log of 10 and of 1,000 entries, on SQLite and PostgreSQL.

    make bench            (or: .venv/bin/python -m bench.membership_append [--repeat 30])

What the server does with a new entry while it holds the circle's write lock (issue 13), measured
in process against a real database and a real log: a circle of five members whose log is grown
by signed rotations through the server's own ``append_entry``. At each length, the median of
``--repeat`` runs of:

- whole log: read every entry and verify them all with the new one (``membership.verify_log``),
  as each append did before the server kept the verified head;
- stored head: read the circle's stored head and check the new entry alone
  (``membership.apply_entry``), as each append does now;
- append now: the whole ``circles.append_entry``, through its commit.

The first two share the circle's locked read, run in turns after a warm-up round, and roll back,
so the log keeps its length; each "append now" adds its entry (the log ends ``--repeat`` longer).
PostgreSQL uses the test database ``make test`` creates (TEST_DATABASE_URL overrides it; the
bench empties it).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from bench import databases
from support_circle.db import create_db_engine
from support_circle.migrate import upgrade_to_head
from support_circle.models import Device
from support_circle.protocol import circle_keys, membership, primitives
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.membership import CircleState
from support_circle.protocol.signed import SignedObject
from support_circle.services import circles
from support_circle.services.devices import register_device
from support_circle.settings import Settings
from tests.conftest import empty_database

MEMBERS = 5
LENGTHS = (10, 1_000)


@dataclass
class Log:
    """A circle on the server, and its admin's view of the log's head."""

    engine: Engine
    settings: Settings
    admin: DeviceKeys
    circle_id: bytes
    state: CircleState

    @property
    def cid(self) -> str:
        return b64u(self.circle_id)

    def next_entry(self) -> SignedObject:
        return membership.rotate(self.admin, self.state, circle_keys.new_epoch_key())

    def append(self, entry: SignedObject) -> None:
        with Session(self.engine) as session:
            circles.append_entry(session, self.settings, self.device(session), self.cid, entry, [])
        self.state = membership.apply_entry(self.state, entry)

    def grow_to(self, length: int) -> None:
        while self.state.head.seq + 1 < length:
            self.append(self.next_entry())

    def device(self, session: Session) -> Device:
        device = session.get(Device, b64u(self.admin.device_id))
        assert device is not None
        return device


def new_circle(engine: Engine, settings: Settings) -> Log:
    keys = [DeviceKeys.generate() for _ in range(MEMBERS)]
    with Session(engine) as session:
        for device_keys in keys:
            register_device(session, settings, device_keys.identity(), None)
    admin, circle_id, key = keys[0], primitives.random_bytes(16), circle_keys.new_epoch_key()
    genesis = membership.genesis(admin, circle_id, key)
    envelope = circle_keys.seal_key_envelope(circle_id, 0, admin.public, key)
    with Session(engine) as session:
        device = session.get(Device, b64u(admin.device_id))
        assert device is not None
        circles.create_circle(session, settings, device, b64u(circle_id), genesis, envelope)
    log = Log(
        engine, settings, admin, circle_id, membership.verify_log(circle_id, membership.entry_hash(genesis), [genesis])
    )
    for device_keys in keys[1:]:
        log.append(membership.add(admin, log.state, device_keys.identity()))
    return log


Check = Callable[[Session, Log, SignedObject], object]


def whole_log(session: Session, log: Log, entry: SignedObject) -> object:
    circle = circles.member_circle(session, log.device(session), log.cid, lock=True)
    entries = [*circles.log_entries(session, circle), entry]
    return membership.verify_log(log.circle_id, unb64u(circle.genesis_hash), entries)


def stored_head(session: Session, log: Log, entry: SignedObject) -> object:
    circle = circles.member_circle(session, log.device(session), log.cid, lock=True)
    return membership.apply_entry(circles.head_state(session, circle), entry)


def checks_ms(log: Log, repeat: int) -> tuple[float, float]:
    """Median ms of ``whole_log`` and ``stored_head`` on one entry, run in turns after a warm-up
    round, so a machine busy with something else slows both alike."""
    times: dict[Check, list[float]] = {whole_log: [], stored_head: []}
    entry = log.next_entry()
    for _ in range(repeat + 1):
        for check, kept in times.items():
            with Session(log.engine) as session:
                start = time.perf_counter()
                check(session, log, entry)
                kept.append(time.perf_counter() - start)
                session.rollback()
    return statistics.median(times[whole_log][1:]) * 1000, statistics.median(times[stored_head][1:]) * 1000


def append_ms(log: Log, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        entry = log.next_entry()
        start = time.perf_counter()
        log.append(entry)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(database: str, engine: Engine, settings: Settings, repeat: int) -> None:
    print(f"\n## {database}: {MEMBERS} members, median of {repeat}")
    print(f"{'log length':>12}  {'whole log':>10}  {'stored head':>11}  {'ratio':>7}  {'append now':>10}")
    rows = []
    for length in LENGTHS:
        log = new_circle(engine, settings)
        log.grow_to(length)
        old, new = checks_ms(log, repeat)
        whole = append_ms(log, repeat)
        rows.append((old, new, whole))
        print(f"{length:>12,}  {old:>7.2f} ms  {new:>8.2f} ms  {old / new:>6.1f}×  {whole:>7.2f} ms")
    (old_short, new_short, whole_short), (old_long, new_long, whole_long) = rows
    growth = f"{LENGTHS[1]:,} / {LENGTHS[0]:,}"
    print(
        f"{growth:>12}  {old_long / old_short:>9.1f}×  {new_long / new_short:>10.1f}×  {'':>7}"
        f"  {whole_long / whole_short:>9.1f}×"
    )


@contextmanager
def database(name: str, folder: Path) -> Iterator[tuple[Engine, Settings]]:
    url = empty_database(name, folder)
    # The hourly bound on a log's entries would stop it growing to a thousand in one run.
    settings = Settings(
        database_url=url, data_dir=folder / "data", registration="open", max_log_entries_per_hour=1_000_000
    )
    engine = create_db_engine(settings.sqlalchemy_url)
    upgrade_to_head(engine)
    try:
        yield engine, settings
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30, help="runs per figure")
    databases.add_option(parser)
    args = parser.parse_args()
    print(f"# Membership appends on {os.cpu_count()} cores: the whole log verified beside the stored head")
    for name in databases.chosen(args):
        with tempfile.TemporaryDirectory() as folder, database(name, Path(folder)) as (engine, settings):
            measure(name, engine, settings, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
