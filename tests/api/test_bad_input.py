"""Bad input of every kind is a 4xx with a stable code, never a 500 (DESIGN §2.5)."""

from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import SharedCircle, change, record, signed_in


def _circle(client: TestClient) -> SharedCircle:
    circle = SharedCircle(signed_in(client))
    assert circle.create().status_code == 201
    return circle


def _refusal(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def test_one_change_id_twice_in_one_push_is_refused(client: TestClient) -> None:
    circle = _circle(client)
    first = change(record(circle.admin, circle, {"n": 1}))
    other = {**change(record(circle.admin, circle, {"n": 2})), "change_id": first["change_id"]}
    for batch in ([first, first], [first, other]):
        response = circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": batch})
        assert _refusal(response) == (422, "duplicate_change_id")
    assert circle.admin.get(f"/v1/circles/{circle.cid}/changes").json()["data"] == []
