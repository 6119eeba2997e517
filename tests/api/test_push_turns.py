"""Pushes on PostgreSQL run on a few connections kept for them (``pipelines.py``): those waiting
for one circle take their turns before they take a connection, so however many pushes one circle
gets, or however long something holds it, every other circle's pushes go through; and a push that
cannot have its circle within the lock timeout is answered as busy instead of waiting on."""

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.api.helpers import change, record
from tests.api.test_dropped_connections import _circle, _waiting_for_a_lock
from tests.conftest import ON_POSTGRES

HOLD = "SELECT 1 FROM circle WHERE id = :id FOR UPDATE"


@ON_POSTGRES
def test_pushes_waiting_for_one_circle_leave_the_connections_to_the_other_circles(
    client: TestClient, database_url: str
) -> None:
    held, held_path = _circle(client)
    other, other_path = _circle(client)
    many = client.app.state.settings.push_connections + 2  # type: ignore[attr-defined]

    observer = create_engine(database_url, isolation_level="AUTOCOMMIT")
    locker = create_engine(database_url)
    try:
        with observer.connect() as watching, locker.connect() as holding, ThreadPoolExecutor(many) as pushing:
            holding.execute(text(HOLD), {"id": held.cid})
            waiting = [
                pushing.submit(held.admin.post, held_path, {"changes": [change(record(held.admin, held, {"n": n}))]})
                for n in range(many)
            ]
            _waiting_for_a_lock(watching)
            # With a connection each, the waiting pushes would hold every one until the lock timeout
            # refused them, and only then would this push have one.
            pushed = other.admin.post(other_path, {"changes": [change(record(other.admin, other, {"n": 1}))]})
            still_waiting = not any(future.done() for future in waiting)
            holding.rollback()
            answers = [future.result(timeout=30) for future in waiting]
    finally:
        observer.dispose()
        locker.dispose()

    assert (pushed.status_code, pushed.json()) == (200, {"seqs": [1]})
    assert still_waiting, "the other circle's push went through while the held circle's pushes waited"
    assert sorted(seq for answer in answers for seq in answer.json()["seqs"]) == list(range(1, many + 1))


@ON_POSTGRES
def test_a_push_whose_circle_stays_locked_is_answered_busy_and_stores_nothing(
    client: TestClient, database_url: str
) -> None:
    circle, path = _circle(client)
    body = {"changes": [change(record(circle.admin, circle, {"n": 1}))]}

    locker = create_engine(database_url)
    try:
        with locker.connect() as holding:
            holding.execute(text(HOLD), {"id": circle.cid})
            refused = circle.admin.post(path, body)
            holding.rollback()
    finally:
        locker.dispose()

    assert (refused.status_code, refused.json()["code"]) == (503, "service_unavailable")
    assert refused.headers["Retry-After"] == "1"
    assert circle.admin.get(path).json()["data"] == []
    assert circle.admin.post(path, body).json() == {"seqs": [1]}, "tried again, it is stored"
