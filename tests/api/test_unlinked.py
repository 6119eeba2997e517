"""Unlinked notices through the API (PROTOCOL.md §17): the admin who removed a device leaves it a
signed notice, the removed device reads it when signed in, and nothing forged, misaddressed or
from anyone else is stored."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, delete

from support_circle.models import Device, UnlinkedNotice
from support_circle.protocol import membership, primitives, unlinked
from support_circle.protocol.encoding import b64u, dump_json
from support_circle.protocol.membership import Head
from support_circle.protocol.vectors.making import flip, signed_bytes
from tests.api.helpers import Member, SharedCircle, signed_in


class Removal:
    """A personal circle of A (admin), B (admin) and C (member), from which A removed R."""

    def __init__(self, client: TestClient) -> None:
        self.circle = SharedCircle(signed_in(client))
        assert self.circle.create().status_code == 201
        self.other, self.member, self.removed = signed_in(client), signed_in(client), signed_in(client)
        for device, role in ((self.other, "admin"), (self.member, "member"), (self.removed, "admin")):
            assert self.circle.add(device, role).status_code == 200
        assert self.circle.remove(self.removed).status_code == 200
        self.at = Head(len(self.circle.log) - 1, membership.entry_hash(self.circle.log[-1]))

    @property
    def admin(self) -> Member:
        return self.circle.admin

    def notice(self, by: Member | None = None, **changes: Any) -> dict[str, Any]:
        fields = {"circle_id": self.circle.circle_id, "device_id": self.removed.keys.device_id, "removal": self.at}
        return unlinked.make((by or self.admin).keys, **{**fields, **changes})

    def path(self, device: Member | None = None, circle: str | None = None) -> str:
        return f"/v1/circles/{circle or self.circle.cid}/unlinked/{(device or self.removed).device_id}"

    def put(self, notice: dict[str, Any], by: Member | None = None, path: str | None = None) -> Any:
        return (by or self.admin).put(path or self.path(), {"notice": notice})


@pytest.fixture
def removal(client: TestClient) -> Removal:
    return Removal(client)


def test_the_removed_device_reads_the_notice_its_admin_left(removal: Removal) -> None:
    notice = removal.notice()
    assert removal.put(notice).status_code == 204

    response = removal.removed.get("/v1/unlinked")
    assert response.status_code == 200, response.text
    assert response.json() == {"data": [notice]}
    # Its own log, as it last verified it, is what it checks the notice with.
    before = membership.verify_log(
        removal.circle.circle_id, membership.genesis_hash(removal.circle.log), removal.circle.log[:-1]
    )
    read = unlinked.verify(response.json()["data"][0], before, removal.removed.keys.device_id)
    assert read.removal == removal.at


def test_the_removed_device_sees_nothing_else_and_others_see_no_notice(removal: Removal) -> None:
    assert removal.put(removal.notice()).status_code == 204
    assert removal.removed.get(f"/v1/circles/{removal.circle.cid}").status_code == 404
    for device in (removal.admin, removal.other, removal.member):
        assert device.get("/v1/unlinked").json() == {"data": []}


def test_a_new_notice_replaces_the_old_one(removal: Removal) -> None:
    assert removal.put(removal.notice()).status_code == 204
    second = removal.notice(by=removal.other)
    assert removal.put(second, by=removal.other).status_code == 204
    assert removal.removed.get("/v1/unlinked").json() == {"data": [second]}


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("another admin's signature", "unknown_author"),
        ("a tampered signature", "bad_signature"),
        ("a payload of another type", "wrong_type"),
        ("another device in the payload", "context_mismatch"),
        ("another circle in the payload", "context_mismatch"),
        ("an entry hash of 31 bytes", "bad_encoding"),
    ],
)
def test_a_forged_or_misaddressed_notice_is_refused(removal: Removal, name: str, code: str) -> None:
    good = removal.notice()
    payload = {
        "v": 1,
        "type": "unlinked",
        "signer": removal.admin.device_id,
        "circle_id": removal.circle.cid,
        "device_id": removal.removed.device_id,
        "seq": removal.at.seq,
        "entry_hash": b64u(removal.at.hash),
    }
    forged = {
        "another admin's signature": removal.notice(by=removal.other),
        "a tampered signature": {**good, "sig": flip(good["sig"])},
        "a payload of another type": signed_bytes(
            removal.admin.keys.sign_seed, removal.admin.keys.device_id, "unlinked", dump_json({**payload, "type": "x"})
        ),
        "another device in the payload": removal.notice(device_id=removal.member.keys.device_id),
        "another circle in the payload": removal.notice(circle_id=primitives.random_bytes(16)),
        "an entry hash of 31 bytes": removal.admin.keys.sign({**payload, "entry_hash": b64u(bytes(31))}),
    }[name]
    response = removal.put(forged)
    assert (response.status_code, response.json()["code"]) == (422, code), name
    assert removal.removed.get("/v1/unlinked").json() == {"data": []}


def test_a_notice_naming_no_removal_of_that_device_is_refused(removal: Removal) -> None:
    state = removal.circle.state
    wrong = {
        "another entry": removal.notice(removal=Head(1, membership.entry_hash(removal.circle.log[1]))),
        "another hash": removal.notice(removal=Head(removal.at.seq, primitives.random_bytes(32))),
        "no entry there": removal.notice(removal=Head(removal.at.seq + 1, state.head.hash)),
    }
    for name, notice in wrong.items():
        response = removal.put(notice)
        assert (response.status_code, response.json()["code"]) == (422, "not_removed"), name
    # A member still in the circle was removed by nothing.
    member_notice = removal.notice(device_id=removal.member.keys.device_id)
    response = removal.put(member_notice, path=removal.path(removal.member))
    assert (response.status_code, response.json()["code"]) == (422, "not_removed")
    assert removal.member.get("/v1/unlinked").json() == {"data": []}


def test_only_an_admin_of_the_circle_leaves_a_notice(removal: Removal, client: TestClient) -> None:
    by_member = removal.put(removal.notice(by=removal.member), by=removal.member)
    assert (by_member.status_code, by_member.json()["code"]) == (403, "not_admin")
    stranger = signed_in(client)
    by_stranger = removal.put(removal.notice(by=stranger), by=stranger)
    assert (by_stranger.status_code, by_stranger.json()["code"]) == (404, "not_found")
    # The removed device itself is no member: it cannot plant a notice for itself.
    by_removed = removal.put(removal.notice(by=removal.removed), by=removal.removed)
    assert (by_removed.status_code, by_removed.json()["code"]) == (404, "not_found")
    assert removal.removed.get("/v1/unlinked").json() == {"data": []}


def test_an_oversized_notice_is_refused(removal: Removal) -> None:
    big = removal.admin.keys.sign({"type": "unlinked", "pad": "x" * 2000})
    response = removal.put(big)
    assert response.status_code == 413


def test_a_notice_goes_with_its_device(removal: Removal, client: TestClient) -> None:
    assert removal.put(removal.notice()).status_code == 204
    app: Any = client.app
    with Session(app.state.engine) as session:
        session.exec(delete(Device).where(Device.id == removal.removed.device_id))  # type: ignore[arg-type]
        session.commit()
        assert session.get(UnlinkedNotice, (removal.removed.device_id, removal.circle.cid)) is None


def test_a_notice_needs_a_sign_in(removal: Removal, client: TestClient) -> None:
    assert client.get("/v1/unlinked").status_code == 401
    assert client.put(removal.path(), json={"notice": removal.notice()}).status_code == 401
