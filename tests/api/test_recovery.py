"""Recovery escrows through the API (PROTOCOL.md §15): a device stores and replaces its own, a new
device reads it without signing in, and no other device can overwrite or delete it."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from support_circle.client.recovery import escrow_path
from support_circle.models import Device, RecoveryEscrow
from support_circle.protocol import escrow, primitives
from support_circle.protocol.encoding import b64u
from support_circle.protocol.escrow import EscrowContent
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.membership import Head
from support_circle.services.recovery import MAX_ESCROWS_PER_DEVICE
from support_circle.wire import MAX_ESCROW_CT_BYTES
from tests.api.helpers import Member, signed_in


def sealed(member: Member, recovery_key: bytes) -> dict[str, Any]:
    """The escrow ``member``'s vault would keep at the server for this recovery key."""
    return _seal(member.keys, recovery_key)


def _seal(keys: DeviceKeys, recovery_key: bytes) -> dict[str, Any]:
    head = Head(0, primitives.random_bytes(32))
    content = EscrowContent(keys, primitives.random_bytes(16), primitives.random_bytes(32), head)
    return escrow.seal_escrow(escrow.escrow_id(recovery_key), escrow.escrow_key(recovery_key), content)


def any_escrow() -> dict[str, Any]:
    return _seal(DeviceKeys.generate(), primitives.random_bytes(32))


def new_id() -> str:
    return b64u(escrow.escrow_id(primitives.random_bytes(32)))


def test_a_new_device_reads_the_escrow_without_signing_in_and_opens_it(client: TestClient) -> None:
    member, recovery_key = signed_in(client), primitives.random_bytes(32)
    escrow_id = b64u(escrow.escrow_id(recovery_key))
    stored = sealed(member, recovery_key)
    assert member.put(f"/v1/recovery/{escrow_id}", {"escrow": stored}).status_code == 204

    response = client.get(f"/v1/recovery/{escrow_id}")
    assert response.status_code == 200, response.text
    assert response.json() == {"escrow_id": escrow_id, "escrow": stored}
    assert escrow.open_with_recovery_key(recovery_key, response.json()["escrow"]).device == member.keys


def test_the_device_that_stored_it_replaces_it(client: TestClient) -> None:
    member, recovery_key = signed_in(client), primitives.random_bytes(32)
    path = escrow_path(recovery_key)
    assert member.put(path, {"escrow": sealed(member, recovery_key)}).status_code == 204
    newer = sealed(member, recovery_key)
    assert member.put(path, {"escrow": newer}).status_code == 204
    assert client.get(path).json()["escrow"] == newer


def test_another_device_cannot_take_an_escrow_id(client: TestClient) -> None:
    owner, other, recovery_key = signed_in(client), signed_in(client), primitives.random_bytes(32)
    path = escrow_path(recovery_key)
    kept = sealed(owner, recovery_key)
    assert owner.put(path, {"escrow": kept}).status_code == 204
    response = other.put(path, {"escrow": sealed(other, recovery_key)})
    assert (response.status_code, response.json()["code"]) == (409, "escrow_taken")
    assert response.json()["message"]
    assert client.get(path).json()["escrow"] == kept


def test_only_the_owner_deletes_and_others_learn_nothing(client: TestClient) -> None:
    owner, other, recovery_key = signed_in(client), signed_in(client), primitives.random_bytes(32)
    path = escrow_path(recovery_key)
    assert owner.put(path, {"escrow": sealed(owner, recovery_key)}).status_code == 204

    by_other, absent = other.delete(path), other.delete(f"/v1/recovery/{new_id()}")
    assert (by_other.status_code, by_other.json()) == (absent.status_code, absent.json())
    assert (by_other.status_code, by_other.json()["code"]) == (404, "not_found")
    assert client.get(path).status_code == 200

    assert owner.delete(path).status_code == 204
    gone = client.get(path)
    assert (gone.status_code, gone.json()["code"]) == (404, "not_found")
    assert owner.delete(path).status_code == 404
    assert other.put(path, {"escrow": sealed(other, recovery_key)}).status_code == 204, "a deleted id is free again"


def test_an_absent_escrow_is_not_found_as_json(client: TestClient) -> None:
    response = client.get(f"/v1/recovery/{new_id()}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["message"]


def test_storing_and_deleting_need_a_sign_in(client: TestClient) -> None:
    member = signed_in(client)
    path = f"/v1/recovery/{new_id()}"
    body = {"escrow": sealed(member, primitives.random_bytes(32))}
    for response in (client.put(path, json=body), client.delete(path)):
        assert (response.status_code, response.json()["code"]) == (401, "unauthorized")


def test_a_token_is_not_needed_nor_checked_for_reading(client: TestClient) -> None:
    member, recovery_key = signed_in(client), primitives.random_bytes(32)
    path = escrow_path(recovery_key)
    assert member.put(path, {"escrow": sealed(member, recovery_key)}).status_code == 204
    assert client.get(path, headers={"Authorization": "Bearer expired-or-made-up"}).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"v": 2},
        {"v": True},
        {"v": 1.0},
        {"v": "1"},
        {"nonce": b64u(bytes(8))},
        {"nonce": 12},
        {"ct": "not base64url!"},
        {"ct": "A" * ((MAX_ESCROW_CT_BYTES * 4 + 2) // 3 + 1)},
        {"escrow_id": "A" * 22},
    ],
    ids=[
        "v 2",
        "v true",
        "v 1.0",
        "v string",
        "short nonce",
        "nonce number",
        "ct alphabet",
        "ct too long",
        "extra member",
    ],
)
def test_malformed_escrows_are_invalid_requests(client: TestClient, change: dict[str, Any]) -> None:
    member = signed_in(client)
    response = member.put(f"/v1/recovery/{new_id()}", {"escrow": {**any_escrow(), **change}})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request"


@pytest.mark.parametrize("body", [{}, {"escrow": None}, {"escrow": {"v": 1}}, []])
def test_malformed_bodies_are_invalid_requests(client: TestClient, body: Any) -> None:
    response = signed_in(client).put(f"/v1/recovery/{new_id()}", body)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")


@pytest.mark.parametrize(("ct", "code"), [("AR", "bad_encoding"), (b64u(bytes(15)), "truncated")])
def test_a_ciphertext_that_cannot_be_one_is_refused(client: TestClient, ct: str, code: str) -> None:
    response = signed_in(client).put(f"/v1/recovery/{new_id()}", {"escrow": {**any_escrow(), "ct": ct}})
    assert (response.status_code, response.json()["code"]) == (422, code)


def test_the_largest_allowed_ciphertext_is_stored(client: TestClient) -> None:
    member, path = signed_in(client), f"/v1/recovery/{new_id()}"
    largest = {**any_escrow(), "ct": b64u(bytes(MAX_ESCROW_CT_BYTES))}
    assert member.put(path, {"escrow": largest}).status_code == 204
    too_long = {**any_escrow(), "ct": b64u(bytes(MAX_ESCROW_CT_BYTES + 1))}
    assert member.put(path, {"escrow": too_long}).status_code == 422


@pytest.mark.parametrize("escrow_id", ["short", "A" * 21 + "B", "A" * 23])
def test_an_escrow_id_must_be_one(client: TestClient, escrow_id: str) -> None:
    member = signed_in(client)
    for response in (
        client.get(f"/v1/recovery/{escrow_id}"),
        member.put(f"/v1/recovery/{escrow_id}", {"escrow": any_escrow()}),
        member.delete(f"/v1/recovery/{escrow_id}"),
    ):
        assert (response.status_code, response.json()["code"]) == (422, "invalid_request")


def test_a_device_keeps_a_few_escrows_at_most(client: TestClient) -> None:
    member = signed_in(client)
    paths = [f"/v1/recovery/{new_id()}" for _ in range(MAX_ESCROWS_PER_DEVICE + 1)]
    for path in paths[:-1]:
        assert member.put(path, {"escrow": any_escrow()}).status_code == 204
    refused = member.put(paths[-1], {"escrow": any_escrow()})
    assert (refused.status_code, refused.json()["code"]) == (409, "too_many_escrows")
    assert member.put(paths[0], {"escrow": any_escrow()}).status_code == 204, "replacing one is no new escrow"
    assert member.delete(paths[0]).status_code == 204
    assert member.put(paths[-1], {"escrow": any_escrow()}).status_code == 204


def test_an_escrow_goes_with_its_device(client: TestClient) -> None:
    member, path = signed_in(client), f"/v1/recovery/{new_id()}"
    assert member.put(path, {"escrow": any_escrow()}).status_code == 204
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        session.delete(session.get(Device, member.device_id))
        session.commit()
        assert session.exec(select(RecoveryEscrow)).all() == []
    assert client.get(path).status_code == 404
