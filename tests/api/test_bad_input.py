"""Bad input of every kind is a 4xx with a stable code, never a 500 (docs/architecture.md §2.5)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from support_circle.protocol import circle_keys, membership
from support_circle.protocol.encoding import b64u, format_time, unb64u
from tests.api.helpers import SharedCircle, change, record, signed_in
from tests.api.test_invites import make_invite


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


@pytest.mark.parametrize("size", [0, 79, 81, 140_000])
def test_a_key_envelope_must_be_exactly_the_size_of_a_sealed_key(client: TestClient, size: int) -> None:
    circle = _circle(client)
    ally = signed_in(client)
    state = circle.state
    entry = membership.add(circle.admin.keys, state, ally.keys.identity())
    envelope = circle_keys.seal_key_envelope(circle.circle_id, state.epoch, ally.keys.public, circle.keys[0])
    assert len(unb64u(envelope["sealed"])) == circle_keys.SEALED_KEY_BYTES
    wrong = {**envelope, "sealed": b64u(bytes(size))}
    response = circle.admin.post(f"/v1/circles/{circle.cid}/log", {"entry": entry, "key_envelopes": [wrong]})
    assert _refusal(response) == (422, "truncated" if size < circle_keys.SEALED_KEY_BYTES else "malformed")
    assert circle.admin.get(f"/v1/circles/{circle.cid}").json()["log_seq"] == 0


def _zoned(text: str) -> bool:
    return datetime.fromisoformat(text).tzinfo is not None


def test_every_time_the_api_answers_carries_a_time_zone(client: TestClient) -> None:
    circle = _circle(client)
    challenge = client.post("/v1/auth/challenge", json={"device_id": circle.admin.device_id}).json()
    assert _zoned(challenge["expires_at"]), challenge["expires_at"]
    _, made = make_invite(circle)
    listed = circle.admin.get(f"/v1/circles/{circle.cid}/invites").json()["data"]
    assert _zoned(made.json()["expires_at"]) and all(_zoned(i["expires_at"]) for i in listed), listed
