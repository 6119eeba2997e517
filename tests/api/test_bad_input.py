"""Bad input of every kind is a 4xx with a stable code, never a 500 (DESIGN §2.5)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from support_circle.protocol.encoding import b64u, format_time
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


def _with_ct(envelope: dict[str, Any], size: int) -> dict[str, Any]:
    return {**envelope, "ct": b64u(bytes(size))}


@pytest.mark.parametrize(
    ("size", "code"),
    [(0, "truncated"), (15, "truncated"), (16, "bad_padding"), (300, "bad_padding"), (256 + 16, None)],
)
def test_a_record_ciphertext_must_be_a_padded_size(client: TestClient, size: int, code: str | None) -> None:
    circle = _circle(client)
    envelope = _with_ct(record(circle.admin, circle, {"n": 1}), size)
    response = circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [change(envelope)]})
    if code is None:
        assert response.status_code == 200, response.text
    else:
        assert _refusal(response) == (422, code)


@pytest.mark.parametrize(("size", "code"), [(16, "bad_padding"), (65536 * 2 + 16, "invite_too_large")])
def test_an_invite_record_must_be_a_padded_size(client: TestClient, size: int, code: str) -> None:
    circle = _circle(client)
    expires_at = format_time(datetime.now(UTC).replace(microsecond=0) + timedelta(days=1))
    sealed = {"v": 1, "invite_id": b64u(bytes(16)), "nonce": b64u(bytes(12)), "ct": b64u(bytes(size))}
    body = {"record": sealed, "auth_pub": b64u(bytes(32)), "expires_at": expires_at}
    assert _refusal(circle.admin.post(f"/v1/circles/{circle.cid}/invites", body))[1] == code
