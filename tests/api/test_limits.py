"""Every limit is a setting and answers with a JSON error a person and an app can act on."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from support_circle.app import create_app
from support_circle.protocol import primitives, records
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.records import RecordRef
from support_circle.settings import Settings
from tests.api.helpers import SharedCircle, change, record, signed_in


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    tight = settings.model_copy(
        update={
            "max_body_bytes": 64 * 1024,
            "max_record_bytes": 4096 + 16,
            "max_batch": 5,
            "device_quota_bytes": 3 * _stored_size({"n": 1}),
            "rate_limit_per_minute": 30,
        }
    )
    with TestClient(create_app(tight), raise_server_exceptions=False) as client:
        yield client


def _stored_size(body: dict[str, object]) -> int:
    """What the server counts for one record: its padded ciphertext."""
    keys = DeviceKeys.generate()
    ref = RecordRef(primitives.random_bytes(16), primitives.random_bytes(16), 0)
    hlc = f"1795651200000-0000-{b64u(keys.device_id)}"
    envelope = records.seal_record(keys, ref, bytes(32), change_id=primitives.random_bytes(16), hlc=hlc, body=body)
    return len(unb64u(envelope["ct"]))


def _circle(client: TestClient) -> SharedCircle:
    circle = SharedCircle(signed_in(client))
    assert circle.create().status_code == 201
    return circle


def _push(circle: SharedCircle, *bodies: dict[str, object]) -> object:
    changes = [change(record(circle.admin, circle, body)) for body in bodies]
    return circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": changes})


def test_a_body_over_the_limit_is_refused_before_it_is_read(limited: TestClient) -> None:
    circle = _circle(limited)
    response = circle.admin.post(f"/v1/circles/{circle.cid}/changes", {"changes": [], "pad": "x" * 70_000})
    assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")
    assert "Sync in smaller steps" in response.json()["message"]


def test_a_record_over_the_limit_is_refused(limited: TestClient) -> None:
    circle = _circle(limited)
    response = _push(circle, {"text": "x" * 5000})
    assert (response.status_code, response.json()["code"]) == (413, "record_too_large")  # type: ignore[attr-defined]


def test_a_batch_over_the_limit_is_refused(limited: TestClient) -> None:
    circle = _circle(limited)
    response = _push(circle, *({"n": n} for n in range(6)))
    assert (response.status_code, response.json()["code"]) == (413, "batch_too_large")  # type: ignore[attr-defined]


def test_a_device_over_its_quota_is_refused_and_keeps_what_it_stored(limited: TestClient) -> None:
    circle = _circle(limited)
    assert _push(circle, {"n": 1}, {"n": 2}, {"n": 3}).status_code == 200  # type: ignore[attr-defined]
    response = _push(circle, {"n": 4})
    assert (response.status_code, response.json()["code"]) == (413, "quota_exceeded")  # type: ignore[attr-defined]
    stored = circle.admin.get(f"/v1/circles/{circle.cid}/changes").json()["data"]
    assert len(stored) == 3


def test_too_many_requests_get_429_with_retry_after(limited: TestClient) -> None:
    member = signed_in(limited)
    answers = [member.get("/v1/circles") for _ in range(31)]
    assert [a.status_code for a in answers[:30]] == [200] * 30
    assert (answers[30].status_code, answers[30].json()["code"]) == (429, "rate_limited")
    assert int(answers[30].headers["Retry-After"]) >= 1
