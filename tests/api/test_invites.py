"""Invites through the API: only admins make them, only link holders ask, nothing is granted
without an admin's signed approval, and every refusal is a JSON error with a stable code."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, update

from support_circle.models import Invite
from support_circle.protocol import circle_keys, invites, membership, signed
from support_circle.protocol.encoding import b64u, format_time, parse_json
from tests.api.helpers import Member, SharedCircle, signed_in


@dataclass
class Link:
    """An invite as its admin made it: the secret stays with the test, as it stays in the link."""

    circle: SharedCircle
    secret: bytes

    @property
    def invite_id(self) -> str:
        return b64u(invites.derive(self.secret).invite_id)

    def ask(self, joiner: Member, request: dict[str, Any] | None = None) -> Any:
        body = {"request": request or invites.make_join_request(self.secret, joiner.keys)}
        return joiner.post(f"/v1/invites/{self.invite_id}/requests", body)

    def approval(self, joiner: Member) -> dict[str, Any]:
        state = self.circle.state
        entry = membership.add(self.circle.admin.keys, state, joiner.keys.identity())
        key = self.circle.keys[state.epoch]
        envelope = circle_keys.seal_key_envelope(self.circle.circle_id, state.epoch, joiner.keys.public, key)
        return {"entry": entry, "key_envelopes": [envelope]}

    def approve(self, request_id: str, joiner: Member, body: dict[str, Any] | None = None) -> Any:
        body = body or self.approval(joiner)
        response = self.circle.admin.post(f"/v1/circles/{self.circle.cid}/requests/{request_id}/approve", body)
        if response.status_code == 200:
            self.circle.log.append(body["entry"])
        return response


def make_invite(
    circle: SharedCircle, *, by: Member | None = None, days: float = 7, max_uses: int = 1
) -> tuple[Link, Any]:
    secret = invites.new_secret()
    expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    author = by or circle.admin
    record = invites.seal_invite(author.keys, secret, circle.circle_id, membership.genesis_hash(circle.log), expires_at)
    body = {
        "record": record,
        "auth_pub": b64u(invites.derive(secret).auth_pub),
        "expires_at": format_time(expires_at),
        "max_uses": max_uses,
    }
    return Link(circle, secret), author.post(f"/v1/circles/{circle.cid}/invites", body)


def _circle(client: TestClient) -> SharedCircle:
    circle = SharedCircle(signed_in(client))
    assert circle.create().status_code == 201
    return circle


def _code(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def test_an_admin_invites_and_a_link_holder_reads_the_sealed_invite(client: TestClient) -> None:
    circle = _circle(client)
    link, made = make_invite(circle)
    assert made.status_code == 201
    assert made.json()["uses"] == 0 and made.json()["revoked"] is False
    joiner = signed_in(client)
    found = joiner.get(f"/v1/invites/{link.invite_id}").json()
    opened = invites.open_invite(link.secret, found["record"], datetime.now(UTC))
    assert opened.circle_id == circle.circle_id
    assert [i["invite_id"] for i in circle.admin.get(f"/v1/circles/{circle.cid}/invites").json()["data"]] == [
        link.invite_id
    ]


def test_only_admins_make_invites_and_strangers_learn_nothing(client: TestClient) -> None:
    circle = _circle(client)
    member, stranger = signed_in(client), signed_in(client)
    circle.add(member)
    assert _code(make_invite(circle, by=member)[1]) == (403, "not_admin")
    assert _code(make_invite(circle, by=stranger)[1]) == (404, "not_found")
    assert _code(member.get(f"/v1/circles/{circle.cid}/requests")) == (403, "not_admin")


def test_expiry_must_be_in_the_future_and_within_thirty_days(client: TestClient) -> None:
    circle = _circle(client)
    assert _code(make_invite(circle, days=-1)[1]) == (422, "expiry_in_past")
    assert _code(make_invite(circle, days=31)[1]) == (422, "expiry_too_far")
    link, _ = make_invite(circle)
    record = invites.seal_invite(circle.admin.keys, link.secret, circle.circle_id, bytes(32), datetime.now(UTC))
    naive = {"record": record, "auth_pub": b64u(bytes(32)), "expires_at": "2026-12-01T00:00:00"}
    assert _code(circle.admin.post(f"/v1/circles/{circle.cid}/invites", naive)) == (422, "invalid_request")


def test_a_request_needs_proof_of_the_link_and_the_device_itself(client: TestClient) -> None:
    circle = _circle(client)
    link, _ = make_invite(circle)
    joiner, other = signed_in(client), signed_in(client)
    forged = invites.make_join_request(invites.new_secret(), joiner.keys)
    forged["invite_id"] = link.invite_id
    assert _code(link.ask(joiner, forged)) == (422, "bad_proof")
    as_someone_else = invites.make_join_request(link.secret, other.keys)
    assert _code(link.ask(joiner, as_someone_else)) == (403, "not_your_identity")
    assert _code(link.ask(circle.admin)) == (409, "already_member")


def test_asking_twice_returns_the_same_request_and_nobody_else_may_read_it(client: TestClient) -> None:
    circle = _circle(client)
    link, _ = make_invite(circle)
    joiner, other = signed_in(client), signed_in(client)
    first, again = link.ask(joiner).json(), link.ask(joiner).json()
    assert first == again and first["status"] == "pending"
    assert _code(other.get(f"/v1/requests/{first['request_id']}")) == (404, "join_request_not_found")
    pending = circle.admin.get(f"/v1/circles/{circle.cid}/requests").json()["data"]
    assert [p["request_id"] for p in pending] == [first["request_id"]]
    # The admin checks the proof again with the secret: the server cannot invent a request.
    invites.verify_join_request(
        invites.derive(link.secret).auth_pub, invites.derive(link.secret).invite_id, pending[0]["request"]
    )


def test_every_admin_sees_a_request_exactly_as_its_joiner_sent_it(client: TestClient) -> None:
    """A v1 request is listed with no ``invite`` member (a ``null`` would make it malformed, §1); a v2
    request with the admin's signed invite, which the other admin checks without the secret (§9)."""
    circle = _circle(client)
    second = signed_in(client)
    circle.add(second, role="admin")
    link, _ = make_invite(circle)
    opened = invites.open_invite(
        link.secret, circle.admin.get(f"/v1/invites/{link.invite_id}").json()["record"], datetime.now(UTC)
    )
    old, new = signed_in(client), signed_in(client)
    sent = {
        old.keys.device_id: invites.make_join_request(link.secret, old.keys),
        new.keys.device_id: invites.make_join_request(link.secret, new.keys, opened),
    }
    assert [r["v"] for r in sent.values()] == [1, 2]
    assert (
        link.ask(old, sent[old.keys.device_id]).status_code
        == link.ask(new, sent[new.keys.device_id]).status_code
        == 201
    )
    listed = second.get(f"/v1/circles/{circle.cid}/requests").json()["data"]
    assert sorted((p["request"] for p in listed), key=lambda r: r["v"]) == list(sent.values())
    genesis = membership.genesis_hash(circle.log)
    v2 = next(p["request"] for p in listed if p["request"]["v"] == 2)
    now = datetime.now(UTC)
    assert invites.verify_request_by_invite(circle.state, genesis, v2, now).joiner.device_id == new.keys.device_id


def test_a_v2_request_must_carry_the_invite_its_admin_signed_for_this_link(client: TestClient) -> None:
    circle = _circle(client)
    link, _ = make_invite(circle)
    other, _ = make_invite(circle)
    found = circle.admin.get(f"/v1/invites/{link.invite_id}").json()["record"]
    opened = invites.open_invite(link.secret, found, datetime.now(UTC))
    joiner, stranger = signed_in(client), signed_in(client)
    request = invites.make_join_request(link.secret, joiner.keys, opened)
    other_found = circle.admin.get(f"/v1/invites/{other.invite_id}").json()["record"]
    other_invite = invites.open_invite(other.secret, other_found, datetime.now(UTC)).signed_invite
    assert other_invite is not None
    resigned = stranger.keys.sign(
        parse_json(signed.decode(request["invite"])[1]) | {"signer": b64u(stranger.keys.device_id)}
    )
    assert _code(link.ask(joiner, {**request, "invite": other_invite})) == (422, "context_mismatch")
    assert _code(link.ask(joiner, {**request, "invite": resigned})) == (422, "unknown_author")
    assert link.ask(joiner, request).status_code == 201


def test_approval_must_add_the_device_that_asked_with_its_key(client: TestClient) -> None:
    circle = _circle(client)
    link, _ = make_invite(circle)
    joiner, impostor = signed_in(client), signed_in(client)
    request_id = link.ask(joiner).json()["request_id"]
    assert _code(link.approve(request_id, joiner, link.approval(impostor))) == (422, "entry_does_not_match_request")
    no_key = {**link.approval(joiner), "key_envelopes": link.approval(impostor)["key_envelopes"]}
    assert _code(link.approve(request_id, joiner, no_key)) == (422, "missing_key_envelope")
    assert link.approve(request_id, joiner).status_code == 200
    assert joiner.get(f"/v1/requests/{request_id}").json()["status"] == "approved"
    assert [k["epoch"] for k in joiner.get(f"/v1/circles/{circle.cid}/keys").json()["data"]] == [0]
    assert _code(link.approve(request_id, joiner)) == (409, "not_pending")


def test_declining_on_a_single_use_link_spends_the_link(client: TestClient) -> None:
    """The apps tell the admin the link is spent either way: the one turned down, asking again, is
    refused at the server, and any other request still waiting on it is declined with it."""
    circle = _circle(client)
    link, _ = make_invite(circle, max_uses=1)
    turned_down, other = signed_in(client), signed_in(client)
    first_id = link.ask(turned_down).json()["request_id"]
    other_id = link.ask(other).json()["request_id"]
    assert circle.admin.post(f"/v1/circles/{circle.cid}/requests/{first_id}/decline").status_code == 204
    assert other.get(f"/v1/requests/{other_id}").json()["status"] == "declined"
    assert _code(link.ask(turned_down)) == (404, "invite_not_found")
    assert circle.admin.get(f"/v1/circles/{circle.cid}/requests").json()["data"] == []
    several, _ = make_invite(circle, max_uses=3)
    asked = several.ask(turned_down).json()["request_id"]
    assert circle.admin.post(f"/v1/circles/{circle.cid}/requests/{asked}/decline").status_code == 204
    assert several.ask(other).status_code == 201


def test_a_single_use_invite_is_spent_by_one_approval(client: TestClient) -> None:
    circle = _circle(client)
    link, _ = make_invite(circle, max_uses=1)
    first, second = signed_in(client), signed_in(client)
    first_id = link.ask(first).json()["request_id"]
    second_id = link.ask(second).json()["request_id"]
    assert link.approve(first_id, first).status_code == 200
    assert second.get(f"/v1/requests/{second_id}").json()["status"] == "declined"
    assert _code(second.get(f"/v1/invites/{link.invite_id}")) == (404, "invite_not_found")
    assert circle.admin.get(f"/v1/circles/{circle.cid}/invites").json()["data"][0]["uses"] == 1


def test_declining_and_withdrawing(client: TestClient) -> None:
    circle = _circle(client)
    link, _ = make_invite(circle, max_uses=3)
    first, second, third = signed_in(client), signed_in(client), signed_in(client)
    first_id = link.ask(first).json()["request_id"]
    second_id = link.ask(second).json()["request_id"]
    assert circle.admin.post(f"/v1/circles/{circle.cid}/requests/{first_id}/decline").status_code == 204
    assert first.get(f"/v1/requests/{first_id}").json()["status"] == "declined"
    path = f"/v1/circles/{circle.cid}/invites/{link.invite_id}"
    assert circle.admin.delete(path).status_code == 204
    assert circle.admin.delete(path).status_code == 204  # withdrawing twice is no error
    assert second.get(f"/v1/requests/{second_id}").json()["status"] == "declined"
    assert _code(link.ask(third)) == (404, "invite_not_found")
    assert circle.admin.get(f"/v1/circles/{circle.cid}/requests").json()["data"] == []


def test_an_expired_invite_is_not_found(client: TestClient) -> None:
    circle = _circle(client)
    link, _ = make_invite(circle)
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        session.exec(update(Invite).where(col(Invite.id) == link.invite_id).values(expires_at=datetime.now(UTC)))
        session.commit()
    assert _code(signed_in(client).get(f"/v1/invites/{link.invite_id}")) == (404, "invite_not_found")
