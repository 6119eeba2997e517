"""Connections that die in the pool (the database restarted, an idle connection was cut) cost a push
nothing: the pool does not ping each connection it hands out, so the push path, whose every step
answers a retry as it answered the first try, tries once more on a fresh connection."""

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.api.helpers import SharedCircle, change, record, signed_in

ON_POSTGRES = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
# Every connection of the app but this test's own and the event listener's.
THE_APPS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND query NOT LIKE 'LISTEN %'"
)


def _terminate_the_apps_connections(database_url: str) -> int:
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")  # each poll sees the activity afresh
    try:
        with engine.connect() as connection:
            pids = {row[0] for row in connection.execute(text(THE_APPS))}
            for pid in pids:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while pids & {row[0] for row in connection.execute(text(THE_APPS))}:
                assert time.monotonic() < deadline, "the terminated connections did not go"
                time.sleep(0.05)
    finally:
        engine.dispose()
    return len(pids)


@ON_POSTGRES
def test_a_push_on_connections_killed_in_the_pool_succeeds_and_is_stored_once(
    client: TestClient, database_url: str
) -> None:
    circle = SharedCircle(signed_in(client))
    assert circle.create().status_code == 201
    path = f"/v1/circles/{circle.cid}/changes"
    assert circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"n": 1}))]}).status_code == 200

    assert _terminate_the_apps_connections(database_url) >= 1
    pushed = circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"n": 2}))]})

    assert (pushed.status_code, pushed.json()) == (200, {"seqs": [2]})
    assert [c["seq"] for c in circle.admin.get(path).json()["data"]] == [1, 2]
