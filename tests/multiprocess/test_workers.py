"""``support-circle serve`` with ``WORKERS=2``, on one SQLite file and on PostgreSQL: two processes
answer pushes into one circle at once, and every guarantee holds across them, the database being
the only guard: each change numbered once, 1..N without gaps; a change id sent twice at once, to
both processes, stored once with one seq; every acknowledged change kept; each byte charged to the
device's quota once. A push answered by one process reaches event streams open on the other, and
a scrape of ``/metrics`` answered by either counts the requests both answered.

Which process holds a connection is read from ``/proc`` (``ServerProcess.workers``): connections
are made until each worker holds its share, so the test never depends on how the kernel happened
to hand them out.
"""

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import bindparam, create_engine, text

from tests.api.helpers import Member, SharedCircle, change, record, signed_in
from tests.conftest import DATABASES, empty_database
from tests.robustness.conftest import assert_server_log_clean, assert_whole_log, at_one_barrier, server_log
from tests.support.server import ServerProcess, client_port
from tests.support.sse import EventStream

pytestmark = pytest.mark.timeout(90)

WORKERS = 2
PUSHERS_PER_WORKER = 3
PUSHES = 4
RECORDS_PER_PUSH = 2
MAX_CONNECTIONS_TRIED = 40


@pytest.fixture(scope="module", params=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("workers")
    return folder, empty_database(request.param, folder)


@pytest.fixture(scope="module")
def server(database: tuple[Path, str]) -> Iterator[ServerProcess]:
    folder, url = database
    env = {"WORKERS": str(WORKERS), "EVENTS_KEEPALIVE_SECONDS": "1"}
    process = ServerProcess(folder / "data", folder / "no-app", url, env=env)
    process.start(timeout=60)  # two processes import the app at once, on a machine others share
    try:
        process.wait_for_workers(WORKERS, timeout=60)
        yield process
    finally:
        process.stop()
    assert_server_log_clean(process)


def clients_per_worker(server: ServerProcess, each: int) -> list[list[httpx.Client]]:
    """For every worker, ``each`` clients whose open connection it holds (new ones until there are enough)."""
    held: dict[int, list[httpx.Client]] = {}
    spare: list[httpx.Client] = []
    for _ in range(MAX_CONNECTIONS_TRIED):
        http = httpx.Client(base_url=server.url, timeout=30)
        port = client_port(http.get("/healthz"))
        pid = next(pid for pid, ports in server.workers().items() if port in ports)
        (held.setdefault(pid, []) if len(held.get(pid, [])) < each else spare).append(http)
        if len(held) == WORKERS and all(len(clients) == each for clients in held.values()):
            break
    for http in spare:
        http.close()
    assert len(held) == WORKERS and all(len(c) == each for c in held.values()), "a worker took no connection"
    return list(held.values())


def streams_on_each_worker(server: ServerProcess, token: str, stack: ExitStack) -> list[EventStream]:
    """One open event stream held by each worker."""
    streams: dict[int, EventStream] = {}
    for _ in range(MAX_CONNECTIONS_TRIED):
        stream = EventStream(server.url, token).__enter__()
        assert stream.response is not None
        port = client_port(stream.response)
        pid = next(pid for pid, ports in server.workers().items() if port in ports)
        if pid in streams:
            stream.__exit__()
        else:
            stack.callback(stream.__exit__)
            streams[pid] = stream
        if len(streams) == WORKERS:
            return list(streams.values())
    raise AssertionError("a worker took no stream")


def test_serve_starts_the_workers_it_is_asked_for(server: ServerProcess) -> None:
    assert len(server.workers()) == WORKERS


@dataclass
class Pusher:
    """A member pushing new records, each push sent at once on two connections, one to each
    worker: both answers must give the same seqs, and the change is stored once."""

    member: Member
    circle: SharedCircle
    twin: httpx.Client
    acknowledged: dict[str, int] = field(default_factory=dict)

    def run(self, start: threading.Barrier) -> None:
        start.wait(timeout=30)
        for push in range(PUSHES):
            body = {
                "changes": [
                    change(record(self.member, self.circle, {"text": f"push {push}, note {n}"}))
                    for n in range(RECORDS_PER_PUSH)
                ]
            }
            seqs = self._twice_at_once(body)
            for item, seq in zip(body["changes"], seqs, strict=True):
                self.acknowledged[item["change_id"]] = seq

    def _twice_at_once(self, body: dict[str, Any]) -> list[int]:
        path = f"/v1/circles/{self.circle.cid}/changes"
        answers: list[httpx.Response] = []
        headers = self.member.headers
        other = threading.Thread(target=lambda: answers.append(self.twin.post(path, json=body, headers=headers)))
        other.start()
        mine = self.member.post(path, body)
        other.join(timeout=30)
        assert mine.status_code == 200, mine.text
        assert len(answers) == 1 and answers[0].status_code == 200, answers
        seqs: list[int] = mine.json()["seqs"]
        assert answers[0].json()["seqs"] == seqs, "a change id resent at once got another seq"
        return seqs


def _charged(database_url: str, device_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Each device's charged bytes, and the ciphertext of the changes it pushed."""
    engine = create_engine(database_url)
    query = text(
        "SELECT d.id, d.bytes_stored, (SELECT coalesce(sum(c.size), 0) FROM change c WHERE c.device_id = d.id)"
        " FROM device d WHERE d.id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    try:
        with engine.connect() as connection:
            return {row[0]: (int(row[1]), int(row[2])) for row in connection.execute(query, {"ids": device_ids})}
    finally:
        engine.dispose()


def test_pushes_through_both_workers_at_once_keep_every_guarantee(
    server: ServerProcess, database: tuple[Path, str]
) -> None:
    on_a, on_b = clients_per_worker(server, 2 * PUSHERS_PER_WORKER)
    admin = signed_in(httpx.Client(base_url=server.url, timeout=30))  # type: ignore[arg-type]
    circle = SharedCircle(admin)
    assert circle.create().status_code == 201
    pushers = []
    for own, twins in ((on_a, on_b), (on_b, on_a)):
        for _ in range(PUSHERS_PER_WORKER):
            member = signed_in(own.pop())  # type: ignore[arg-type]
            assert circle.add(member).status_code == 200
            pushers.append(Pusher(member, circle, twins.pop()))
    devices = [p.member.device_id for p in pushers]
    before = _charged(database[1], devices)
    counted = pushes_counted(server)

    at_one_barrier([p.run for p in pushers], 60, "pushers")

    acknowledged = {change_id: seq for p in pushers for change_id, seq in p.acknowledged.items()}
    assert len(acknowledged) == len(pushers) * PUSHES * RECORDS_PER_PUSH
    assert_whole_log(server_log(server.url, admin.token, circle.cid), acknowledged)
    after = _charged(database[1], devices)
    for device in devices:
        (made, _), (charged, stored) = before[device], after[device]
        assert stored > 0 and charged - made == stored, "a device was charged other than once per byte"
    # Whichever worker answers a scrape counts every worker's requests: each push was sent twice.
    assert pushes_counted(server) == [n + 2 * len(pushers) * PUSHES for n in counted]


def pushes_counted(server: ServerProcess) -> list[float]:
    """The pushes answered with a 2xx, as ``/metrics`` counts them, scraped through each worker."""
    counts = []
    for (http,) in clients_per_worker(server, 1):
        lines = http.get("/metrics").text.splitlines()
        http.close()
        route = 'route="/v1/circles/{circle_id}/changes"'
        counts += [
            sum(
                float(line.rsplit(" ", 1)[1])
                for line in lines
                if line.startswith("support_circle_http_requests_total{")
                and route in line
                and 'method="POST"' in line
                and 'status="2xx"' in line
            )
        ]
    return counts


def test_a_push_through_either_worker_reaches_streams_on_both(server: ServerProcess) -> None:
    on_a, on_b = clients_per_worker(server, 1)
    admin = signed_in(on_a[0])  # type: ignore[arg-type]
    circle = SharedCircle(admin)
    assert circle.create().status_code == 201
    through_b = Member(on_b[0], admin.keys, admin.token)  # type: ignore[arg-type]
    with ExitStack() as stack:
        streams = streams_on_each_worker(server, admin.token, stack)
        seqs = []
        for member in (admin, through_b):
            body = {"changes": [change(record(member, circle, {}))]}
            response = member.post(f"/v1/circles/{circle.cid}/changes", body)
            assert response.status_code == 200, response.text
            seqs += response.json()["seqs"]
        for stream in streams:
            # On SQLite another worker learns of commits by reading every 0.2 s, so the circle's
            # own creation, committed just before the stream opened, may still arrive first:
            # harmless, since a client syncs on any event.
            first = stream.next_frame(within=5.0)
            assert first is not None, "no event within 5s"
            if first.event == "membership":
                assert first.data == {"circle_id": circle.cid, "log_seq": 0}, first
                first = stream.expect("changes")
            assert (first.event, first.data) == ("changes", {"circle_id": circle.cid, "seq": seqs[0]}), first
            for seq in seqs[1:]:
                assert stream.expect("changes").data == {"circle_id": circle.cid, "seq": seq}
