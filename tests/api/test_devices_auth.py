from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from support_circle.app import create_app
from support_circle.models import RegistrationCode
from support_circle.protocol.auth import sign_challenge
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.services.devices import code_hash
from support_circle.settings import Settings
from tests.api.helpers import Member, signed_in


def test_a_device_registers_by_its_keys_alone(client: TestClient) -> None:
    member = Member(client)
    response = member.register()
    assert response.status_code == 201
    assert response.json() == {"device_id": member.device_id}
    assert member.register().status_code == 201, "registering again is no error"


def test_an_identity_that_does_not_check_out_is_refused(client: TestClient) -> None:
    identity = DeviceKeys.generate().identity()
    identity["sig"] = identity["sig"][:-2] + ("AA" if identity["sig"][-2:] != "AA" else "BA")
    response = client.post("/v1/devices", json={"identity": identity})
    assert response.status_code == 422
    assert response.json()["code"] == "bad_signature"


@pytest.mark.parametrize(
    "body",
    [{}, {"identity": "x"}, {"identity": {"v": True, "signer": "a", "payload": "", "sig": ""}}, {"identity": {}}],
)
def test_malformed_registrations_are_invalid_requests(client: TestClient, body: object) -> None:
    response = client.post("/v1/devices", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_sign_in_with_a_signed_challenge(client: TestClient) -> None:
    member = signed_in(client)
    assert member.get("/v1/circles").status_code == 200
    assert member.delete("/v1/auth/token").status_code == 204
    response = member.get("/v1/circles")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_challenge_works_once_and_only_for_its_device(client: TestClient) -> None:
    member, other = signed_in(client), signed_in(client)
    server_id = unb64u(client.get("/v1/server").json()["server_id"])
    challenge = client.post("/v1/auth/challenge", json={"device_id": member.device_id}).json()["challenge"]
    signature = b64u(sign_challenge(member.keys, server_id, unb64u(challenge)))
    stolen = {"device_id": other.device_id, "challenge": challenge, "signature": signature}
    assert client.post("/v1/auth/token", json=stolen).status_code == 401
    body = {"device_id": member.device_id, "challenge": challenge, "signature": signature}
    assert client.post("/v1/auth/token", json=body).status_code == 401, "the failed attempt used it up"


def test_a_signature_by_another_key_is_refused(client: TestClient) -> None:
    member = Member(client)
    member.register()
    server_id = unb64u(client.get("/v1/server").json()["server_id"])
    challenge = client.post("/v1/auth/challenge", json={"device_id": member.device_id}).json()["challenge"]
    forged = b64u(sign_challenge(DeviceKeys.generate(), server_id, unb64u(challenge)))
    response = client.post(
        "/v1/auth/token", json={"device_id": member.device_id, "challenge": challenge, "signature": forged}
    )
    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")


def test_an_unknown_device_gets_no_challenge(client: TestClient) -> None:
    response = client.post("/v1/auth/challenge", json={"device_id": b64u(DeviceKeys.generate().device_id)})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic abc", "Bearer not-a-token"])
def test_requests_without_a_valid_token_are_unauthorized(client: TestClient, header: str) -> None:
    response = client.get("/v1/circles", headers={"Authorization": header} if header else {})
    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")


def test_registration_by_code(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"registration": "code"}))
    with TestClient(app) as client:
        with app.state.engine.begin() as connection:
            connection.execute(
                RegistrationCode.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {
                        "id": "a" * 22,
                        "code_hash": code_hash("GOOD-CODE"),
                        "max_uses": 1,
                        "uses": 0,
                        "created_at": datetime.now(UTC),
                        "expires_at": None,
                    },
                    {
                        "id": "b" * 22,
                        "code_hash": code_hash("OLD-CODE"),
                        "max_uses": 5,
                        "uses": 0,
                        "created_at": datetime.now(UTC),
                        "expires_at": datetime.now(UTC) - timedelta(days=1),
                    },
                ],
            )
        needs = Member(client).register()
        assert (needs.status_code, needs.json()["code"]) == (403, "registration_code_required")
        assert Member(client).register("OLD-CODE").json()["code"] == "invalid_registration_code"
        admitted = Member(client)
        assert admitted.register("GOOD-CODE").status_code == 201
        used_up = Member(client).register("GOOD-CODE")
        assert (used_up.status_code, used_up.json()["code"]) == (403, "invalid_registration_code")

        # A device admitted by a code registers its recovery identity (PROTOCOL.md §15) with none.
        recovery = Member(client)
        body = {"identity": recovery.keys.identity()}
        anonymous = client.post("/v1/devices", json=body)
        assert (anonymous.status_code, anonymous.json()["code"]) == (403, "registration_code_required")
        stale = client.post("/v1/devices", json=body, headers={"Authorization": "Bearer made-up"})
        assert stale.status_code == 403, "a token that signs no device in vouches for nothing"
        vouched = client.post("/v1/devices", json=body, headers=admitted.sign_in().headers)
        assert vouched.status_code == 201
        assert recovery.sign_in().token
