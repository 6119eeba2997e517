"""No database work on the event loop. One query there — say, reading an attribute the session
expired — holds up every request the process serves, and when the connection pool is busy it
waits up to 30 s for a connection: a member who floods live streams froze a PostgreSQL server
that way for everyone (the hostile load test found it). Here a real server runs in this process
so a SQLAlchemy event can see which thread each query runs on."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event

from support_circle.app import create_app
from support_circle.client import Device
from support_circle.protocol.encoding import b64u
from support_circle.settings import Settings
from tests.support.server import ThreadServer
from tests.support.sse import EventStream


class LoopQueries:
    """Notes each statement run on a thread that has a running event loop."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: where database work belongs
        self.statements.append(statement.split("\n")[0][:80])


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    # A keepalive each second wakes the stream reader, so its waits end on time.
    return create_app(settings.model_copy(update={"events_keepalive_seconds": 1}))


@pytest.fixture
def live(app: FastAPI) -> Iterator[tuple[str, LoopQueries]]:
    with ThreadServer(app) as server:
        queries = LoopQueries()
        event.listen(app.state.engine, "before_cursor_execute", queries)
        yield server.url, queries


def test_opening_streams_and_changing_a_circle_run_no_query_on_the_event_loop(
    live: tuple[str, LoopQueries],
) -> None:
    url, queries = live
    admin, member = Device.new(url), Device.new(url)
    for device in (admin, member):
        device.register()
        device.sign_in()
    replica = admin.create_circle(shared=True)
    with EventStream(url, str(member.api.token)), EventStream(url, str(admin.api.token)) as stream:
        replica.add_member(member.keys.identity())
        replica.write({"kind": "note", "text": "Thursday at six"})
        replica.push()
        heard = {frame.event for frame in iter(lambda: stream.next_frame(within=2.0), None)}
        assert {"membership", "changes"} <= heard, heard
    assert queries.statements == [], f"queries on the event loop: {queries.statements}"
    assert b64u(replica.circle_id) in member.member_of()
