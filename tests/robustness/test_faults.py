"""Faults between a device and a real server process, on SQLite and PostgreSQL: the server killed
with SIGKILL in the middle of a stream of pushes, an answer lost on the way back, and the same
batch delivered twice at once. No acknowledged change is lost; a retry, byte for byte the same,
stores nothing twice and gets back the seqs the server gave the first time."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from support_circle.client import ApiError, CircleReplica
from support_circle.protocol.encoding import b64u
from tests.api.helpers import SharedCircle, change, record, signed_in
from tests.robustness.conftest import assert_whole_log, new_device, server_log
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

BATCH = 10


class Wire(httpx.HTTPTransport):
    """A real HTTP transport that keeps every push body as sent, and can lose one push's answer:
    the server gets the request and commits, the device hears only a dropped connection."""

    def __init__(self, lose_answer_to_push: int | None = None) -> None:
        super().__init__()
        self.pushes: list[bytes] = []
        self.lose = lose_answer_to_push

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        is_push = request.method == "POST" and request.url.path.endswith("/changes")
        if is_push:
            self.pushes.append(request.read())
        response = super().handle_request(request)
        if is_push and len(self.pushes) == self.lose:
            response.read()
            response.close()
            raise httpx.ReadError("the connection dropped before the answer arrived", request=request)
        return response


def acknowledge(replica: CircleReplica, written: list[bytes], into: dict[str, int]) -> None:
    for record_id in written:
        revision = replica.records[record_id]
        into[revision.payload["change_id"]] = revision.seq


def in_flight(replica: CircleReplica) -> dict[str, dict[str, Any]]:
    """The changes the device sent but never heard back about: change id -> envelope."""
    assert all(p.envelope is not None for p in replica.outbox)
    return {b64u(p.change_id): dict(p.envelope or {}) for p in replica.outbox}


def test_a_server_killed_mid_push_loses_nothing_acknowledged_and_a_retry_doubles_nothing(
    server: ServerProcess,
) -> None:
    wire = Wire()
    device = new_device(server.url, transport=wire)
    replica = device.create_circle()
    circle_id = b64u(replica.circle_id)
    acknowledged: dict[str, int] = {}
    failures: list[ApiError] = []

    def push_stream() -> None:
        try:
            for batch in range(1000):
                written = [replica.write({"kind": "note", "text": f"{batch}.{n}"}) for n in range(BATCH)]
                replica.push()
                acknowledge(replica, written, acknowledged)
        except ApiError as error:
            failures.append(error)

    pusher = threading.Thread(target=push_stream, daemon=True)
    pusher.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 5 * BATCH and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    pusher.join(30)
    assert not pusher.is_alive()
    assert [f.code for f in failures] == ["network_unreachable"]
    unacknowledged = in_flight(replica)
    assert len(unacknowledged) == BATCH
    sent_last = wire.pushes[-1]

    server.restart()
    token = str(device.api.token)
    before = dict((cid, seq) for seq, cid in server_log(server.url, token, circle_id))
    assert_whole_log(server_log(server.url, token, circle_id), acknowledged)
    applied = {cid: before[cid] for cid in unacknowledged if cid in before}
    assert len(applied) in (0, BATCH), "a batch was half applied"

    retried = list(replica.outbox)
    replica.push()
    assert wire.pushes[-1] == sent_last, "the retry was not byte for byte the push that went unanswered"
    seqs = {b64u(p.change_id): replica.records[p.record_id].seq for p in retried}
    assert set(seqs) == set(unacknowledged)
    if applied:
        assert seqs == applied, "the retry of an applied batch got new seqs"
    log = server_log(server.url, token, circle_id)
    assert len(log) == len(acknowledged) + BATCH
    assert_whole_log(log, {**acknowledged, **seqs})


def test_an_answer_lost_on_the_way_back_is_retried_without_doubling(server: ServerProcess) -> None:
    wire = Wire(lose_answer_to_push=3)
    device = new_device(server.url, transport=wire)
    replica = device.create_circle()
    acknowledged: dict[str, int] = {}
    for batch in range(2):
        written = [replica.write({"kind": "note", "text": f"{batch}.{n}"}) for n in range(BATCH)]
        replica.push()
        acknowledge(replica, written, acknowledged)
    written = [replica.write({"kind": "note", "text": f"lost {n}"}) for n in range(BATCH)]
    with pytest.raises(ApiError) as lost:
        replica.push()
    assert lost.value.code == "network_unreachable"
    token, circle_id = str(device.api.token), b64u(replica.circle_id)
    applied = {cid: seq for seq, cid in server_log(server.url, token, circle_id)}
    assert set(in_flight(replica)) <= set(applied), "the server did not apply the push whose answer was lost"

    replica.push()
    assert wire.pushes[-1] == wire.pushes[-2]
    seqs = {revision.payload["change_id"]: revision.seq for revision in (replica.records[r] for r in written)}
    assert seqs == {cid: applied[cid] for cid in seqs}
    log = server_log(server.url, token, circle_id)
    assert len(log) == 3 * BATCH
    assert_whole_log(log, {**acknowledged, **seqs})


def test_a_batch_delivered_twice_at_once_is_stored_once(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=15) as http:
        admin = signed_in(http)  # type: ignore[arg-type]
        circle = SharedCircle(admin)
        assert circle.create().status_code == 201
        batch = {"changes": [change(record(admin, circle, {"n": n})) for n in range(BATCH)]}
    path = f"/v1/circles/{circle.cid}/changes"

    def deliver(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, headers=admin.headers, timeout=15) as own:
            return own.post(path, json=batch)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(deliver, range(6)))
    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers if a.status_code != 200]
    assert {tuple(a.json()["seqs"]) for a in answers} == {tuple(range(1, BATCH + 1))}

    # Delivered again later, with new changes after it: the old keep their seqs, the new follow.
    more = {"changes": [*batch["changes"], *(change(record(admin, circle, {"m": n})) for n in range(3))]}
    again = httpx.post(f"{server.url}{path}", json=more, headers=admin.headers, timeout=15)
    assert again.status_code == 200, again.text
    assert again.json()["seqs"] == list(range(1, BATCH + 4))
    log = server_log(server.url, admin.token, circle.cid)
    expected = {c["change_id"]: seq for c, seq in zip(more["changes"], again.json()["seqs"], strict=True)}
    assert len(log) == BATCH + 3
    assert_whole_log(log, expected)
