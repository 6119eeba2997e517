"""Registrations and sign-ins at the same moment against a real server process, on SQLite and
PostgreSQL: a single-use code lets exactly one device in and says so, one identity registered many
times at once is one device, and one signed challenge sent many times at once signs in once, with
no 500 among the answers."""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from support_circle.db import create_db_engine
from support_circle.protocol.auth import sign_challenge
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.services import admin
from tests.robustness.conftest import assert_server_log_clean, running
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.timeout(120)]

RACERS = 50


@pytest.fixture
def code_server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data", tmp_path / "no-app", database_url, env={"REGISTRATION": "code"})
    yield from running(process)


def _at_once(count: int, request: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """Runs ``request(i)`` for each i in its own thread, all released by one barrier."""
    start = threading.Barrier(count)
    answers: list[Any] = [None] * count

    def run(i: int) -> None:
        start.wait(timeout=30)
        answers[i] = request(i)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(isinstance(a, httpx.Response) for a in answers), "a registration did not answer"
    return answers


def _register(url: str, identity: dict[str, Any], code: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"identity": identity}
    if code is not None:
        body["registration_code"] = code
    return httpx.post(f"{url}/v1/devices", json=body, timeout=30)


def test_a_single_use_code_raced_by_fifty_registrations_lets_exactly_one_in(
    code_server: ServerProcess, database_url: str
) -> None:
    engine = create_db_engine(database_url)
    try:
        with Session(engine) as session:
            code, _ = admin.create_code(session, max_uses=1, days=None)
        identities = [DeviceKeys.generate().identity() for _ in range(RACERS)]
        answers = _at_once(RACERS, lambda i: _register(code_server.url, identities[i], code))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] + [403] * (RACERS - 1), statuses
        assert {a.json()["code"] for a in answers if a.status_code == 403} == {"invalid_registration_code"}
        with Session(engine) as session:
            (listed,) = admin.list_codes(session)
            devices = admin.stats(session).devices
        assert (listed.uses, listed.max_uses, devices) == (1, 1, 1)
    finally:
        engine.dispose()


def test_one_identity_registered_many_times_at_once_is_one_device(tmp_path: Path, database_url: str) -> None:
    server = ServerProcess(tmp_path / "data", tmp_path / "no-app", database_url, env={"REGISTRATION": "open"})
    server.start()
    try:
        identity = DeviceKeys.generate().identity()
        answers = _at_once(16, lambda _: _register(server.url, identity))
        assert {a.status_code for a in answers} == {201}, [a.text for a in answers if a.status_code != 201]
        assert len({a.json()["device_id"] for a in answers}) == 1
    finally:
        server.stop()
    assert_server_log_clean(server)


def test_one_signed_challenge_sent_many_times_at_once_signs_in_once(tmp_path: Path, database_url: str) -> None:
    """A challenge is good for one attempt: read and deleted apart, requests that arrived together
    all read it before any deleted it, and each got a token of its own."""
    server = ServerProcess(tmp_path / "data", tmp_path / "no-app", database_url, env={"REGISTRATION": "open"})
    server.start()
    try:
        keys = DeviceKeys.generate()
        device_id = _register(server.url, keys.identity()).json()["device_id"]
        server_id = unb64u(httpx.get(f"{server.url}/v1/server").json()["server_id"], 16)
        challenge = httpx.post(f"{server.url}/v1/auth/challenge", json={"device_id": device_id}).json()["challenge"]
        body = {
            "device_id": device_id,
            "challenge": challenge,
            "signature": b64u(sign_challenge(keys, server_id, unb64u(challenge))),
        }
        answers = _at_once(16, lambda _: httpx.post(f"{server.url}/v1/auth/token", json=body, timeout=30))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [401] * 15, statuses
    finally:
        server.stop()
    assert_server_log_clean(server)
