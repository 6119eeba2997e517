"""Several server processes on one PostgreSQL: an event committed through one reaches streams
open on another, through PostgreSQL's LISTEN/NOTIFY; a listener that loses its connection
ends its streams (their clients sync) and listens again."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.api.helpers import SharedCircle, change, record, signed_in
from tests.support.server import ServerProcess
from tests.support.sse import EventStream

pytestmark = pytest.mark.postgres
ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
LISTENERS = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'"


def _server(database_url: str, folder: Path) -> ServerProcess:
    folder.mkdir(exist_ok=True)
    return ServerProcess(folder / "data", folder / "no-app", database_url, env={"EVENTS_KEEPALIVE_SECONDS": "1"})


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    # One after the other: each applies migrations as it starts.
    started: list[ServerProcess] = []
    try:
        for name in ("a", "b"):
            started.append(_server(database_url, tmp_path / name))
            started[-1].start()
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()


def _push(circle: SharedCircle, text_: str) -> int:
    response = circle.admin.post(
        f"/v1/circles/{circle.cid}/changes", {"changes": [change(record(circle.admin, circle, {"text": text_}))]}
    )
    assert response.status_code == 200, response.text
    seq: int = response.json()["seqs"][0]
    return seq


@ON_POSTGRES
def test_a_push_to_one_server_reaches_a_stream_on_another(servers: tuple[ServerProcess, ServerProcess]) -> None:
    a, b = servers
    with httpx.Client(base_url=a.url, timeout=10) as on_a, httpx.Client(base_url=b.url, timeout=10) as on_b:
        admin, ally = signed_in(on_a), signed_in(on_b)  # type: ignore[arg-type]
        circle = SharedCircle(admin)
        assert circle.create().status_code == 201
        with EventStream(b.url, ally.token) as ally_on_b, EventStream(a.url, admin.token) as admin_on_a:
            assert circle.add(ally).status_code == 200
            assert ally_on_b.expect("membership").data == {"circle_id": circle.cid, "log_seq": 1}
            seq = _push(circle, "through server a")
            assert ally_on_b.expect("changes", within=5).data == {"circle_id": circle.cid, "seq": seq}
            assert admin_on_a.expect("membership").data == {"circle_id": circle.cid, "log_seq": 1}
            assert admin_on_a.expect("changes").data == {"circle_id": circle.cid, "seq": seq}


def _listener_pids(database_url: str) -> set[int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(text(LISTENERS))}
    finally:
        engine.dispose()


def _terminate(database_url: str, pids: set[int]) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            for pid in pids:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        engine.dispose()


@ON_POSTGRES
def test_a_listener_that_loses_its_connection_ends_its_streams_and_listens_again(
    database_url: str, tmp_path: Path
) -> None:
    server = _server(database_url, tmp_path)
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            admin = signed_in(http)  # type: ignore[arg-type]
            circle = SharedCircle(admin)
            assert circle.create().status_code == 201
            before = _listener_pids(database_url)
            assert len(before) == 1
            with EventStream(server.url, admin.token) as hears, pytest.raises(EOFError):
                _terminate(database_url, before)
                hears.frames_within(5.0)

            deadline = time.monotonic() + 10
            while not (_listener_pids(database_url) - before):
                assert time.monotonic() < deadline, "the listener did not reconnect"
                time.sleep(0.1)
            with EventStream(server.url, admin.token) as hears:
                seq = _push(circle, "after the reconnect")
                assert hears.expect("changes").data == {"circle_id": circle.cid, "seq": seq}
    finally:
        server.stop()
