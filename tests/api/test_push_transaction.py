"""A push's transaction on PostgreSQL, which runs in a pipeline on a connection of its own
(``pipelines.py``), outside SQLAlchemy: whatever ends it early, a refusal between its two round
trips or an error of the database in its write, it is rolled back whole, and its connection goes
back to the pool clean, for the next push to use."""

import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from support_circle.protocol import primitives
from tests.api.helpers import SharedCircle, change, record, signed_in
from tests.conftest import ON_POSTGRES

# The app's connections (its pool's and the sign-in cache's), but not the event listener's.
THE_APPS = (
    "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND backend_type = 'client backend' AND query NOT LIKE 'LISTEN %'"
)


def _the_apps_connections(database_url: str) -> dict[int, str]:
    """Each connection's process id and state (``idle``, ``idle in transaction``…)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {pid: state for pid, state in connection.execute(text(THE_APPS))}
    finally:
        engine.dispose()


def _run_sql(database_url: str, sql: str, **parameters: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), parameters)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def _stale_base(circle: SharedCircle, path: str) -> Any:
    record_id = primitives.random_bytes(16)
    circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"v": 1}, record_id))]})
    return circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"v": 2}, record_id), 99)]})


def _not_a_member(circle: SharedCircle, path: str) -> Any:
    stranger = signed_in(circle.admin.client)
    return stranger.post(path, {"changes": [change(record(circle.admin, circle, {"v": 1}))]})


@ON_POSTGRES
@pytest.mark.parametrize(
    ("refuse", "status", "code"), [(_stale_base, 409, "stale_base"), (_not_a_member, 404, "not_found")]
)
def test_a_push_refused_between_its_round_trips_leaves_its_connection_clean_for_the_next(
    client: TestClient, database_url: str, refuse: Callable[[SharedCircle, str], Any], status: int, code: str
) -> None:
    circle = SharedCircle(signed_in(client))
    assert circle.create().status_code == 201
    path = f"/v1/circles/{circle.cid}/changes"
    assert circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"n": 1}))]}).status_code == 200
    connections = _the_apps_connections(database_url)

    refused = refuse(circle, path)

    assert (refused.status_code, refused.json()["code"]) == (status, code)
    assert set(_the_apps_connections(database_url).values()) == {"idle"}, "rolled back, not left in a transaction"
    pushed = circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"n": 2}))]})
    assert pushed.status_code == 200
    assert connections.keys() <= _the_apps_connections(database_url).keys(), "no connection was thrown away"


@ON_POSTGRES
def test_a_write_the_database_refuses_is_rolled_back_whole_and_answered_as_an_error(
    client: TestClient, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    circle = SharedCircle(signed_in(client))
    assert circle.create().status_code == 201
    path = f"/v1/circles/{circle.cid}/changes"
    assert circle.admin.post(path, {"changes": [change(record(circle.admin, circle, {"n": 1}))]}).status_code == 200
    stored = "SELECT bytes_stored FROM device WHERE id = :device"
    before = _run_sql(database_url, stored, device=circle.admin.device_id)
    # A row the circle's count does not know of takes the seq the push will give its change: the
    # push's one write (insert, quota charge, count, notification) breaks the log's primary key.
    _run_sql(
        database_url,
        "INSERT INTO change (circle_id, seq, change_id, record_id, epoch, envelope, size, device_id, created_at)"
        " VALUES (:circle, 2, 'planted', 'planted', 0, '{}', 0, :device, now())",
        circle=circle.cid,
        device=circle.admin.device_id,
    )
    body = {"changes": [change(record(circle.admin, circle, {"n": 2}))]}

    with caplog.at_level(logging.ERROR):
        failed = circle.admin.post(path, body)

    assert (failed.status_code, failed.json()["code"]) == (500, "internal_error")
    assert "IntegrityError" in caplog.text
    assert body["changes"][0]["envelope"]["ct"] not in caplog.text, "no parameter in the log"
    assert circle.cid not in caplog.text, "no id from the database's DETAIL line in the log"
    assert _run_sql(database_url, stored, device=circle.admin.device_id) == before, "the quota was not charged"
    assert _run_sql(database_url, "SELECT change_seq FROM circle WHERE id = :circle", circle=circle.cid) == [(1,)]
    assert set(_the_apps_connections(database_url).values()) == {"idle"}, "rolled back, not left in a transaction"

    _run_sql(database_url, "DELETE FROM change WHERE change_id = 'planted'")
    assert circle.admin.post(path, body).json() == {"seqs": [2]}
    assert [c["seq"] for c in circle.admin.get(path).json()["data"]] == [1, 2]
