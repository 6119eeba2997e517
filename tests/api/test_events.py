"""``GET /v1/events`` against a real server over a real socket (an endless stream needs one), on
SQLite and PostgreSQL: a child process, or a thread of this process when a test reaches into the
server's engine or hub. Keepalives come every second, so every wait is short and bounded, except
where a test counts statements (a keepalive runs one) and reads only events it knows will come."""

import contextlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text, update
from sqlmodel import Session, col

from support_circle.app import create_app
from support_circle.events import Event
from support_circle.models import CircleMember
from support_circle.settings import Settings
from tests.api.helpers import Member, SharedCircle, change, record, signed_in
from tests.support.server import ServerProcess, ThreadServer
from tests.support.sse import EventStream, StreamRefused

MAX_STREAMS = 2


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    env = {"EVENTS_KEEPALIVE_SECONDS": "1", "EVENTS_MAX_STREAMS": str(MAX_STREAMS)}
    process = ServerProcess(tmp_path / "data", tmp_path / "no-app", database_url, env=env)
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def _push(circle: SharedCircle, body: dict[str, str]) -> int:
    envelope = record(circle.admin, circle, body)
    response = circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [change(envelope)]})
    assert response.status_code == 200, response.text
    seq: int = response.json()["seqs"][0]
    return seq


def test_the_stream_needs_a_bearer_header_not_a_token_in_the_url(client: TestClient) -> None:
    member = signed_in(client)
    for params in ({}, {"token": member.token, "access_token": member.token}):
        response = client.get("/v1/events", params=params)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json"
        assert response.json()["code"] == "unauthorized"


def test_a_member_hears_its_circles_and_a_stranger_hears_nothing_of_them(
    server: ServerProcess, http: httpx.Client
) -> None:
    admin, ally, stranger = signed_in(http), signed_in(http), signed_in(http)  # type: ignore[arg-type]
    circle = SharedCircle(admin)
    assert circle.create().status_code == 201
    with EventStream(server.url, ally.token) as ally_hears, EventStream(server.url, stranger.token) as stranger_hears:
        assert circle.add(ally).status_code == 200
        assert ally_hears.expect("membership").data == {"circle_id": circle.cid, "log_seq": 1}
        seq = _push(circle, {"text": "hello"})
        assert ally_hears.expect("changes").data == {"circle_id": circle.cid, "seq": seq}

        # The stranger's stream is live: the first thing it hears is its own new circle, nothing before.
        own = SharedCircle(stranger)
        assert own.create().status_code == 201
        assert stranger_hears.expect("membership").data == {"circle_id": own.cid, "log_seq": 0}
        assert stranger_hears.frames_within(1.5) == []
        assert ally_hears.frames_within(0.5) == []


def test_a_removed_member_hears_its_removal_then_nothing_more(server: ServerProcess, http: httpx.Client) -> None:
    admin, ally = signed_in(http), signed_in(http)  # type: ignore[arg-type]
    circle = SharedCircle(admin)
    circle.create()
    circle.add(ally)
    with EventStream(server.url, ally.token) as ally_hears, EventStream(server.url, admin.token) as admin_hears:
        assert circle.remove(ally).status_code == 200
        assert ally_hears.expect("membership").data == {"circle_id": circle.cid, "log_seq": 2}
        assert admin_hears.expect("membership").data == {"circle_id": circle.cid, "log_seq": 2}
        seq = _push(circle, {"text": "after the removal"})
        assert admin_hears.expect("changes").data == {"circle_id": circle.cid, "seq": seq}

        own = SharedCircle(ally)
        assert own.create().status_code == 201
        assert ally_hears.expect("membership").data == {"circle_id": own.cid, "log_seq": 0}
        assert ally_hears.frames_within(1.0) == []


def _refused_with(url: str, token: str, status: int, code: str) -> httpx.Response:
    with pytest.raises(StreamRefused) as refused:
        EventStream(url, token).__enter__()
    response = refused.value.response
    assert response.headers["content-type"] == "application/json"
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    return response


def _opens_again(url: str, token: str) -> EventStream:
    """A stream opened once a closed one's slot comes back (as soon as the server notices the disconnect)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            return EventStream(url, token).__enter__()
        except StreamRefused:
            assert time.monotonic() < deadline, "the closed stream's slot never came back"
            time.sleep(0.1)


def test_a_device_may_keep_only_a_few_streams_open(server: ServerProcess, http: httpx.Client) -> None:
    member = signed_in(http)  # type: ignore[arg-type]
    streams = [EventStream(server.url, member.token).__enter__() for _ in range(MAX_STREAMS)]
    try:
        _refused_with(server.url, member.token, 429, "too_many_streams")
        streams.pop().__exit__(None, None, None)
        streams.append(_opens_again(server.url, member.token))
    finally:
        for stream in streams:
            stream.__exit__(None, None, None)


def test_the_stream_ends_when_its_sign_in_does(server: ServerProcess, http: httpx.Client) -> None:
    member = signed_in(http)  # type: ignore[arg-type]
    with EventStream(server.url, member.token) as hears:
        assert member.delete("/v1/auth/token").status_code == 204
        with pytest.raises(EOFError):
            hears.frames_within(5.0)


def test_a_server_asked_to_stop_ends_its_streams_and_stops_at_once(server: ServerProcess, http: httpx.Client) -> None:
    member = signed_in(http)  # type: ignore[arg-type]
    with EventStream(server.url, member.token) as hears:
        assert server.process is not None
        server.process.terminate()
        with pytest.raises(EOFError):
            hears.frames_within(5.0)
        # Uvicorn shuts down cleanly, then re-raises the signal it caught, as a process should.
        assert server.process.wait(timeout=5) in (0, -signal.SIGTERM)


PER_DEVICE, PER_CIRCLE, IN_ALL = 2, 3, 5


@pytest.fixture
def limited(settings: Settings) -> Iterator[tuple[ThreadServer, httpx.Client]]:
    """A server in this process (quick to start) with keepalives every second and small limits."""
    limits = {"events_max_streams": PER_DEVICE, "events_max_streams_per_circle": PER_CIRCLE}
    update = {**limits, "events_max_streams_total": IN_ALL, "events_keepalive_seconds": 1}
    app = create_app(settings.model_copy(update=update))
    with ThreadServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield server, http


def _set_active(engine: Engine, circle: SharedCircle, member: Member, active: bool) -> None:
    """Changes the member table as a membership entry would, without the event the service sends with it."""
    with Session(engine) as session:
        statement = update(CircleMember).where(
            col(CircleMember.circle_id) == circle.cid, col(CircleMember.device_id) == member.device_id
        )
        session.exec(statement.values(active=active))
        session.commit()


def test_a_circles_events_keep_their_order_while_its_members_are_read(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"events_keepalive_seconds": 1}))
    with ThreadServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        admin, ally = signed_in(http), signed_in(http)  # type: ignore[arg-type]
        circle = SharedCircle(admin)
        assert circle.create().status_code == 201
        assert circle.add(ally).status_code == 200
        with EventStream(server.url, ally.token) as ally_hears:
            # Both events in one batch: the change must wait while the hub reads who is in the circle.
            _set_active(app.state.engine, circle, ally, False)
            app.state.events.hub.publish([Event("membership", circle.cid, 2), Event("changes", circle.cid, 7)])
            assert ally_hears.expect("membership").data == {"circle_id": circle.cid, "log_seq": 2}
            assert ally_hears.frames_within(1.0) == []

            _set_active(app.state.engine, circle, ally, True)
            app.state.events.hub.publish([Event("membership", circle.cid, 3), Event("changes", circle.cid, 8)])
            assert ally_hears.expect("membership").data == {"circle_id": circle.cid, "log_seq": 3}
            assert ally_hears.expect("changes").data == {"circle_id": circle.cid, "seq": 8}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_other_circles_events_do_not_wait_for_a_members_read(settings: Settings) -> None:
    # Only PostgreSQL can hold a reader back: a table lock stalls the hub's read of one circle's members.
    app = create_app(settings.model_copy(update={"events_keepalive_seconds": 1}))
    with ThreadServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        admin, other = signed_in(http), signed_in(http)  # type: ignore[arg-type]
        stalled, flowing = SharedCircle(admin), SharedCircle(other)
        assert stalled.create().status_code == 201 and flowing.create().status_code == 201
        with EventStream(server.url, admin.token) as admin_hears, EventStream(server.url, other.token) as other_hears:
            with app.state.engine.begin() as connection:
                connection.execute(text("LOCK TABLE circle_member IN ACCESS EXCLUSIVE MODE"))
                app.state.events.hub.publish([Event("membership", stalled.cid, 0)])
                app.state.events.hub.publish([Event("changes", flowing.cid, 1)])
                assert other_hears.expect("changes").data == {"circle_id": flowing.cid, "seq": 1}
                assert admin_hears.frames_within(0.5) == []
            assert admin_hears.expect("membership").data == {"circle_id": stalled.cid, "log_seq": 0}


def test_a_circle_may_have_only_a_few_streams_but_never_shuts_a_member_out(
    limited: tuple[ThreadServer, httpx.Client],
) -> None:
    server, http = limited
    admin, ally, late = signed_in(http), signed_in(http), signed_in(http)  # type: ignore[arg-type]
    circle = SharedCircle(admin)
    assert circle.create().status_code == 201
    assert circle.add(ally).status_code == 200
    with contextlib.ExitStack() as open_streams:
        admin_streams = [open_streams.enter_context(EventStream(server.url, admin.token)) for _ in range(PER_DEVICE)]
        open_streams.enter_context(EventStream(server.url, ally.token))
        # The circle has PER_CIRCLE streams: the ally's second is refused, and the slot it took is given back.
        _refused_with(server.url, ally.token, 429, "too_many_circle_streams")
        admin_streams.pop().__exit__(None, None, None)
        open_streams.push(_opens_again(server.url, ally.token))

        # However full the circle, a member's first stream is let in: the others cannot shut it out.
        assert circle.add(late).status_code == 200
        with EventStream(server.url, late.token) as late_hears:
            _refused_with(server.url, late.token, 429, "too_many_circle_streams")
            seq = _push(circle, {"text": "heard by every member"})
            assert late_hears.expect("changes").data == {"circle_id": circle.cid, "seq": seq}


def test_the_server_may_have_only_so_many_streams_in_all(limited: tuple[ThreadServer, httpx.Client]) -> None:
    server, http = limited
    devices = [signed_in(http) for _ in range(3)]  # type: ignore[arg-type]
    tokens = [device.token for device in devices for _ in range(PER_DEVICE)][:IN_ALL]
    newcomer = signed_in(http)  # type: ignore[arg-type]
    with contextlib.ExitStack() as open_streams:
        streams = [open_streams.enter_context(EventStream(server.url, token)) for token in tokens]
        refusal = _refused_with(server.url, newcomer.token, 503, "too_many_streams_on_server")
        assert int(refusal.headers["Retry-After"]) > 0
        streams.pop().__exit__(None, None, None)
        open_streams.push(_opens_again(server.url, newcomer.token))


@pytest.fixture
def quiet_settings(settings: Settings) -> Settings:
    # No keepalive (and so no sign-in check) comes during a test: the only statements are the events'.
    return settings.model_copy(update={"events_keepalive_seconds": 300, "events_max_streams": 3})


def test_a_membership_event_reads_the_members_once_however_many_streams_hear_it(quiet_settings: Settings) -> None:
    app = create_app(quiet_settings)
    with ThreadServer(app) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        admin, ally, stranger = signed_in(http), signed_in(http), signed_in(http)  # type: ignore[arg-type]
        circle = SharedCircle(admin)
        assert circle.create().status_code == 201
        assert circle.add(ally).status_code == 200
        statements: list[str] = []
        engine = app.state.engine
        with contextlib.ExitStack() as open_streams:
            hear = [open_streams.enter_context(EventStream(server.url, m.token)) for m in (admin, ally) * 3]
            open_streams.enter_context(EventStream(server.url, stranger.token))  # hears nothing of it

            def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
                statements.append(statement)

            event.listen(engine, "before_cursor_execute", count)
            try:
                app.state.events.hub.publish([Event("membership", circle.cid, 1)])
                for stream in hear:
                    assert stream.expect("membership").data == {"circle_id": circle.cid, "log_seq": 1}
            finally:
                event.remove(engine, "before_cursor_execute", count)
        # Seven streams were open and six heard the event; the circle's members were read once for all.
        assert len(statements) == 1, statements
