"""Connections that die in the pool (the database restarted, an idle connection was cut) cost a push
nothing: the pool does not ping each connection it hands out, so the push path, whose every step
answers a retry as it answered the first try, tries once more on a fresh connection.

On PostgreSQL a push runs on connections of its own, outside SQLAlchemy (``pipelines.py``): these
tests also prove that its dead connections are handled as SQLAlchemy handles its own."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text

from support_circle.errors import Conflict
from support_circle.services import changes
from tests.api.helpers import SharedCircle, change, record, signed_in
from tests.conftest import ON_POSTGRES

# Every connection of the app but this test's own and the event listener's.
THE_APPS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND query NOT LIKE 'LISTEN %'"
)


def _circle(client: TestClient) -> tuple[SharedCircle, str]:
    """A new circle of one signed-in admin, and the path of its changes."""
    circle = SharedCircle(signed_in(client))
    assert circle.create().status_code == 201
    return circle, f"/v1/circles/{circle.cid}/changes"


def _circle_with_one_change(client: TestClient) -> tuple[SharedCircle, str]:
    circle, path = _circle(client)
    assert circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"n": 1}))]}).status_code == 200
    return circle, path


def _terminate_the_apps_connections(database_url: str) -> int:
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")  # each poll sees the activity afresh
    try:
        with engine.connect() as connection:
            pids = {row[0] for row in connection.execute(text(THE_APPS))}
            _terminate(connection, pids)
    finally:
        engine.dispose()
    return len(pids)


def _terminate(connection: Connection, pids: set[int]) -> None:
    for pid in pids:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    deadline = time.monotonic() + 10
    while pids & {row[0] for row in connection.execute(text(THE_APPS))}:
        assert time.monotonic() < deadline, "the terminated connections did not go"
        time.sleep(0.05)


def _waiting_for_a_lock(connection: Connection) -> set[int]:
    """The app's connections waiting for a row lock, once there is one (within 10 seconds)."""
    deadline = time.monotonic() + 10
    while not (pids := {row[0] for row in connection.execute(text(THE_APPS + " AND wait_event_type = 'Lock'"))}):
        assert time.monotonic() < deadline, "no push waited for the circle's lock"
        time.sleep(0.05)
    return pids


@ON_POSTGRES
def test_a_push_on_connections_killed_in_the_pool_succeeds_and_is_stored_once(
    client: TestClient, database_url: str
) -> None:
    circle, path = _circle_with_one_change(client)

    assert _terminate_the_apps_connections(database_url) >= 1
    pushed = circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"n": 2}))]})

    assert (pushed.status_code, pushed.json()) == (200, {"seqs": [2]})
    assert [c["seq"] for c in circle.admin.get(path).json()["data"]] == [1, 2]


@ON_POSTGRES
def test_a_push_meeting_a_pool_of_dead_connections_is_tried_again_on_a_fresh_one(
    client: TestClient, database_url: str
) -> None:
    circle, path = _circle(client)
    pushing = client.app.state.settings.push_connections  # type: ignore[attr-defined]
    assert pushing >= 2, "the pool the push takes its connection from holds another one"
    deadline = time.monotonic() + 10
    while client.app.state.pipelines.idle() < pushing:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the push connections did not open"
        time.sleep(0.05)

    assert _terminate_the_apps_connections(database_url) >= pushing
    # The push's first try meets a dead connection; the retry would meet another one, unless the
    # first failure dropped every connection of the pool, as SQLAlchemy does for its own.
    pushed = circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"n": 1}))]})

    assert (pushed.status_code, pushed.json()) == (200, {"seqs": [1]})
    assert [c["seq"] for c in circle.admin.get(path).json()["data"]] == [1]


@ON_POSTGRES
def test_a_push_whose_connection_dies_in_its_transaction_is_stored_once(client: TestClient, database_url: str) -> None:
    circle, path = _circle_with_one_change(client)
    body = {"changes": [change(record(circle.admin, circle, {"n": 2}))]}

    observer = create_engine(database_url, isolation_level="AUTOCOMMIT")
    locker = create_engine(database_url)
    try:
        with observer.connect() as watching, locker.connect() as holding, ThreadPoolExecutor(1) as pushing:
            holding.execute(text("SELECT 1 FROM circle WHERE id = :id FOR UPDATE"), {"id": circle.cid})
            pushed = pushing.submit(circle.admin.post, path, body)
            # The push has sent BEGIN and its locking read, and waits for the circle: it dies there.
            _terminate(watching, _waiting_for_a_lock(watching))
            holding.rollback()
            response = pushed.result(timeout=30)
    finally:
        observer.dispose()
        locker.dispose()

    assert (response.status_code, response.json()) == (200, {"seqs": [2]})
    assert [c["seq"] for c in circle.admin.get(path).json()["data"]] == [1, 2]
    assert circle.admin.post(path, body).json() == {"seqs": [2]}, "resent, it is answered as the first time"


@ON_POSTGRES
def test_a_push_refused_on_a_connection_that_died_under_it_is_answered_and_the_next_is_stored(
    client: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connections die between the push's two round trips, and the push is refused there (a
    409 raised in Python, so no driver error reports the death): the refusal is answered, not
    turned into an error by the dead connection, and the next push, meeting another dead one, is
    tried again and stored. The death is timed by wrapping the push's own check of the batch: a
    fault injected, the only way to place it there."""
    circle, path = _circle_with_one_change(client)
    checked = changes._check_new

    def dying_then_refused(*args: object, **kwargs: object) -> list[int]:
        _terminate_the_apps_connections(database_url)
        checked(*args, **kwargs)  # type: ignore[arg-type]
        raise Conflict("stale_base", "Refused after the connection died.")

    monkeypatch.setattr(changes, "_check_new", dying_then_refused)
    response = circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"n": 2}))]})
    assert (response.status_code, response.json()["code"]) == (409, "stale_base")
    monkeypatch.setattr(changes, "_check_new", checked)
    assert circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"n": 3}))]}).json() == {
        "seqs": [2]
    }
