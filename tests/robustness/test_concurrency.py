"""A hundred devices push at the same moment, to one shared circle and to ten small ones, against
a real server process on SQLite and on PostgreSQL: no request fails, SQLite never reports
"database is locked", and every circle's log holds each acknowledged change once, numbered 1..N."""

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import create_engine, text

from support_circle.client import CircleReplica, Device
from support_circle.protocol.encoding import b64u
from tests.robustness.conftest import assert_whole_log, at_one_barrier, new_device, retrying_dropped, server_log
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

SHARED_MEMBERS = 50  # devices in the one circle they all push to
SMALL_CIRCLES, SMALL_MEMBERS = 10, 5  # and fifty more, in circles of five
PUSHES = 3
RECORDS_PER_PUSH = 2
RUN_DEADLINE_SECONDS = 120
NETWORK_RETRIES = 2

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Pusher:
    """One device pushing new records to one circle, noting the seq each change was given."""

    replica: CircleReplica
    acknowledged: dict[str, int] = field(default_factory=dict)

    def run(self, start: threading.Barrier) -> None:
        start.wait(timeout=60)
        for push in range(PUSHES):
            written = [
                self.replica.write({"kind": "note", "text": f"push {push}, note {n}"}) for n in range(RECORDS_PER_PUSH)
            ]
            self._push()
            for record_id in written:
                revision = self.replica.records[record_id]
                self.acknowledged[revision.payload["change_id"]] = revision.seq

    def _push(self) -> None:
        retrying_dropped(self.replica.push, NETWORK_RETRIES)


def build_circle(devices: list[Device]) -> list[CircleReplica]:
    """A circle the first device creates and adds the others to; each device's replica of it."""
    admin, *others = devices
    replica = admin.create_circle()
    for device in others:
        replica.add_member(device.keys.identity())
    return [replica, *each_at_once(lambda device: device.join_circle(replica.circle_id, replica.genesis_hash), others)]


def run_at_once(pushers: list[Pusher]) -> None:
    """Starts every pusher at one barrier; fails with the first error any of them met."""
    at_one_barrier([pusher.run for pusher in pushers], RUN_DEADLINE_SECONDS, "pushers")


def each_at_once(do: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``do`` for each item, eight at a time: for setting up, not the race the tests are about."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(do, items))


def test_a_hundred_devices_push_at_once_and_nothing_is_lost_or_doubled(server: ServerProcess) -> None:
    devices = each_at_once(lambda _: new_device(server.url), range(SHARED_MEMBERS + SMALL_CIRCLES * SMALL_MEMBERS))
    circles = [build_circle(devices[:SHARED_MEMBERS])]
    rest = devices[SHARED_MEMBERS:]
    circles += each_at_once(
        build_circle, [rest[i * SMALL_MEMBERS : (i + 1) * SMALL_MEMBERS] for i in range(SMALL_CIRCLES)]
    )
    pushers = [[Pusher(replica) for replica in circle] for circle in circles]

    run_at_once([p for circle in pushers for p in circle])

    for circle, members in zip(circles, pushers, strict=True):
        acknowledged = {cid: seq for p in members for cid, seq in p.acknowledged.items()}
        assert len(acknowledged) == len(members) * PUSHES * RECORDS_PER_PUSH
        admin = circle[0].device
        log = server_log(server.url, str(admin.api.token), b64u(circle[0].circle_id))
        assert len(log) == len(acknowledged)
        assert_whole_log(log, acknowledged)
    # A member who pushed nothing new since sees every other member's records, each once.
    reader = circles[0][-1]
    reader.pull()
    assert len(reader.records) == SHARED_MEMBERS * PUSHES * RECORDS_PER_PUSH


def test_one_device_pushing_to_many_circles_at_once_is_charged_for_every_byte(
    server: ServerProcess, server_database_url: str
) -> None:
    """The device's storage count is shared by all its circles: concurrent pushes must not lose an update."""
    device = new_device(server.url)
    replicas = [device.create_circle() for _ in range(10)]
    made, _ = _charged(server_database_url, device.device_id)  # the circles' geneses and first keys
    run_at_once([Pusher(replica) for replica in replicas])

    charged, stored = _charged(server_database_url, device.device_id)
    assert stored > 0
    assert charged - made == stored


def _charged(database_url: str, device_id: str) -> tuple[int, int]:
    """What the device is charged for, and the ciphertext of the changes it pushed."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            charged, stored = connection.execute(
                text(
                    "SELECT d.bytes_stored, (SELECT coalesce(sum(c.size), 0) FROM change c WHERE c.device_id = d.id)"
                    " FROM device d WHERE d.id = :id"
                ),
                {"id": device_id},
            ).one()
    finally:
        engine.dispose()
    return int(charged), int(stored)


def test_one_push_sent_twenty_times_at_once_is_stored_once_and_answered_alike(server: ServerProcess) -> None:
    device = new_device(server.url)
    replica = device.create_circle()
    replica.write({"kind": "note", "text": "before"})
    replica.push()
    replica.write({"kind": "note", "text": "sent twenty times"})

    answers = _sent_at_once(server.url, [(str(device.api.token), replica.path, replica.next_push())] * 20)

    assert answers == [(200, {"seqs": [2]})] * 20
    assert len(server_log(server.url, str(device.api.token), b64u(replica.circle_id))) == 2


def test_members_racing_to_edit_one_record_from_one_base_let_exactly_one_in(server: ServerProcess) -> None:
    circle = build_circle(each_at_once(lambda _: new_device(server.url), range(12)))
    record_id = circle[0].write({"kind": "note", "text": "the plan"})
    circle[0].push()
    sends = []
    for n, replica in enumerate(circle):
        replica.pull()
        replica.write({"kind": "note", "text": f"edit {n}"}, record_id)
        sends.append((str(replica.device.api.token), replica.path, replica.next_push()))

    statuses = sorted(status for status, _ in _sent_at_once(server.url, sends))

    # Each waited for the circle in turn; a push let in after another must see that one's edit.
    assert statuses == [200] + [409] * (len(circle) - 1)


def _sent_at_once(base_url: str, sends: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[int, Any]]:
    """Each (token, circle path, body) posted from its own thread, all let go at one barrier."""
    answers: list[tuple[int, Any]] = [(0, None)] * len(sends)

    def job(index: int) -> Callable[[threading.Barrier], None]:
        token, path, body = sends[index]

        def post(start: threading.Barrier) -> None:
            with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
                start.wait(timeout=60)
                response = http.post(f"{path}/changes", json=body)
            answers[index] = (response.status_code, response.json())

        return post

    at_one_barrier([job(i) for i in range(len(sends))], RUN_DEADLINE_SECONDS, "posts")
    return answers


def test_a_page_pulled_while_members_push_carries_counters_from_its_own_moment(server: ServerProcess) -> None:
    """A page and its counters are read in one statement: the counters never end before the page
    does, which a client would take for a roll-back (PROTOCOL.md §7, "Pulling")."""
    circle = build_circle(each_at_once(lambda _: new_device(server.url), range(6)))
    reader, pushers = circle[0], [Pusher(replica) for replica in circle[1:]]
    finished: list[Pusher] = []
    seen: list[tuple[int, int]] = []  # each page's last seq, and its counters' change_seq

    def push(pusher: Pusher) -> Callable[[threading.Barrier], None]:
        def run(start: threading.Barrier) -> None:
            try:
                pusher.run(start)
            finally:
                finished.append(pusher)

        return run

    def pull(start: threading.Barrier) -> None:
        token = str(reader.device.api.token)
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            start.wait(timeout=60)
            while len(finished) < len(pushers):
                # Always a page behind the newest change, so that pages and pushes overlap.
                since = max(0, (seen[-1][1] if seen else 0) - RECORDS_PER_PUSH)
                page = http.get(f"{reader.path}/changes", params={"since": since}).json()
                if page["data"]:
                    seen.append((page["data"][-1]["seq"], page["circle"]["change_seq"]))

    at_one_barrier([pull, *(push(p) for p in pushers)], RUN_DEADLINE_SECONDS, "pushers and a puller")
    assert seen
    assert [(last, counted) for last, counted in seen if counted < last] == []
