"""Every limit is a setting and answers with a JSON error a person and an app can act on."""

import math
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from support_circle.app import create_app
from support_circle.models import AuthChallenge
from support_circle.protocol import membership, primitives, records
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.records import RecordRef
from support_circle.settings import Settings
from tests.api.helpers import SharedCircle, change, record, signed_in
from tests.api.test_invites import make_invite


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    tight = settings.model_copy(
        update={
            "max_body_bytes": 64 * 1024,
            "max_record_bytes": 4096 + 16,
            "max_batch": 5,
            "device_quota_bytes": _circle_size() + 3 * _stored_size({"n": 1}),
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


def _circle_size() -> int:
    """What the server counts for making a circle: its genesis entry (signed payload and signature)
    and the first key envelope (80 bytes). Every genesis has the same size."""
    keys = DeviceKeys.generate()
    genesis = membership.genesis(keys, primitives.random_bytes(16), bytes(32))
    return len(unb64u(genesis["payload"])) + 64 + 80


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
    started, answers = time.monotonic(), [member.get("/v1/circles")]
    while answers[-1].status_code == 200 and len(answers) < 100:
        answers.append(member.get("/v1/circles"))
    # The bucket holds 30 and refills at 30 a minute: on a slow machine a few more get through.
    refilled = math.ceil((time.monotonic() - started) * 30 / 60)
    assert 30 <= len(answers) - 1 <= 30 + refilled, [a.status_code for a in answers]
    assert (answers[-1].status_code, answers[-1].json()["code"]) == (429, "rate_limited")
    assert int(answers[-1].headers["Retry-After"]) >= 1


def _tight(settings: Settings, **update: object) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=update)), raise_server_exceptions=False)


def test_a_device_holds_a_bounded_number_of_tokens_and_the_oldest_goes_first(settings: Settings) -> None:
    with _tight(settings, max_tokens_per_device=2) as client:
        member = signed_in(client)
        tokens = [member.token, member.sign_in().token, member.sign_in().token]
        answers = [client.get("/v1/circles", headers={"Authorization": f"Bearer {t}"}) for t in tokens]
        assert [a.status_code for a in answers] == [401, 200, 200]


def test_the_request_rate_follows_the_device_whatever_tokens_it_holds(settings: Settings) -> None:
    with _tight(settings, rate_limit_per_minute=4) as client:
        member = signed_in(client)
        tokens = [member.token, member.sign_in().token]
        answers = [client.get("/v1/circles", headers={"Authorization": f"Bearer {tokens[n % 2]}"}) for n in range(5)]
        assert [a.status_code for a in answers] == [200] * 4 + [429]
        assert answers[4].json()["code"] == "rate_limited"


def test_made_up_tokens_neither_reset_a_devices_limit_nor_go_unlimited(settings: Settings) -> None:
    with _tight(settings, rate_limit_per_minute=1, rate_limit_keys=100, anonymous_rate_per_minute=10) as client:
        member = signed_in(client)
        assert [member.get("/v1/circles").status_code for _ in range(2)] == [200, 429]
        made_up = [client.get("/v1/circles", headers={"Authorization": f"Bearer junk{n}"}) for n in range(150)]
        assert {a.status_code for a in made_up} == {401, 429}
        assert made_up[-1].json()["code"] == "rate_limited"
        assert member.get("/v1/circles").status_code == 429


def test_requests_without_a_sign_in_are_limited_per_client_network(settings: Settings) -> None:
    with _tight(settings, anonymous_rate_per_minute=5) as client:
        lookups = [client.get(f"/v1/recovery/{b64u(primitives.random_bytes(16))}") for _ in range(6)]
        assert [a.status_code for a in lookups] == [404] * 5 + [429]
        assert lookups[-1].json()["code"] == "rate_limited" and int(lookups[-1].headers["Retry-After"]) >= 1
        device = {"device_id": b64u(primitives.random_bytes(16))}
        assert client.post("/v1/auth/challenge", json=device).status_code == 429


def test_new_devices_are_limited_on_the_whole_server(settings: Settings) -> None:
    with _tight(settings, registrations_per_minute=3) as client:
        answers = [client.post("/v1/devices", json={"identity": DeviceKeys.generate().identity()}) for _ in range(4)]
        assert [a.status_code for a in answers] == [201, 201, 201, 429]


def test_a_proxys_forwarded_address_counts_only_when_the_operator_trusts_the_proxy(settings: Settings) -> None:
    for trusted, expected in ((True, [404, 404]), (False, [404, 429])):
        with _tight(settings, anonymous_rate_per_minute=1, trust_proxy_headers=trusted) as client:
            answers = [
                client.get(f"/v1/recovery/{b64u(primitives.random_bytes(16))}", headers={"X-Forwarded-For": address})
                for address in ("203.0.113.7", "203.0.113.8")
            ]
            assert [a.status_code for a in answers] == expected


def test_challenges_kept_for_one_device_are_bounded(settings: Settings) -> None:
    with _tight(settings, max_challenges_per_device=3) as client:
        member = signed_in(client)
        for _ in range(20):
            assert client.post("/v1/auth/challenge", json={"device_id": member.device_id}).status_code == 200
        engine = client.app.state.engine  # type: ignore[attr-defined]
        with Session(engine) as session:
            stored = session.exec(select(func.count()).select_from(AuthChallenge)).one()
        assert stored == 3
        assert member.sign_in().token  # the newest challenges still work


def test_a_pull_page_stops_at_its_byte_limit_and_says_it_is_not_done(settings: Settings) -> None:
    one = _stored_size({"n": 1})
    with _tight(settings, max_page_bytes=max(2 * one, 65536 + 16)) as client:
        circle = _circle(client)
        big = {"text": "x" * 40_000}  # pads to 65536 bytes: one per page
        assert _push(circle, big, big, big).status_code == 200  # type: ignore[attr-defined]
        pages, cursor, done = [], 0, False
        while not done:
            page = circle.admin.get(f"/v1/circles/{circle.cid}/changes", params={"since": cursor, "limit": 1000}).json()
            pages.append([c["seq"] for c in page["data"]])
            cursor, done = page["cursor"], page["done"]
        assert pages == [[1], [2], [3]]


def test_a_circle_has_a_bounded_number_of_open_invites(settings: Settings) -> None:
    with _tight(settings, max_open_invites_per_circle=3) as client:
        circle = _circle(client)
        answers = [make_invite(circle)[1] for _ in range(4)]
        assert [a.status_code for a in answers] == [201, 201, 201, 409]
        assert answers[3].json()["code"] == "too_many_invites"
        withdrawn = answers[0].json()["invite_id"]
        assert circle.admin.delete(f"/v1/circles/{circle.cid}/invites/{withdrawn}").status_code == 204
        assert make_invite(circle)[1].status_code == 201


def test_invites_count_in_their_makers_quota(settings: Settings) -> None:
    with _tight(settings, device_quota_bytes=_circle_size() + 2 * (1024 + 16)) as client:  # an invite pads to 1024
        circle = _circle(client)
        answers = [make_invite(circle)[1] for _ in range(3)]
        assert [a.status_code for a in answers] == [201, 201, 413]
        assert answers[2].json()["code"] == "quota_exceeded"
