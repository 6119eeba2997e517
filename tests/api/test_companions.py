"""A person's devices in a circle (PROTOCOL.md §8, "A person's devices"), at the server: a member
lets in its own companion and gives it the current key; the server's stored head keeps who belongs
to which person, so an admin's removal takes a whole person and a member removes only its own."""

from typing import Any

from fastapi.testclient import TestClient

from support_circle.protocol import ProtocolError, circle_keys, membership
from support_circle.services import log_head
from tests.api.helpers import Member, SharedCircle, signed_in


def _circles(member: Member) -> list[str]:
    return [c["circle_id"] for c in member.get("/v1/circles").json()["data"]]


def _let_in(circle: SharedCircle, sponsor: Member, companion: Member) -> Any:
    state = circle.state
    entry = membership.companion(sponsor.keys, state, companion.keys.identity(), 0)
    key = circle_keys.seal_key_envelope(circle.circle_id, state.epoch, companion.keys.public, circle.keys[state.epoch])
    response = sponsor.post(f"/v1/circles/{circle.cid}/log", {"entry": entry, "key_envelopes": [key]})
    if response.status_code == 200:
        circle.log.append(entry)
    return response


def _remove(circle: SharedCircle, by: Member, device: Member) -> Any:
    """Posts ``by``'s removal of ``device``, with the new key sealed to whoever a valid one leaves."""
    key = circle_keys.new_epoch_key()
    entry = membership.remove(by.keys, circle.state, device.keys.device_id, key, 0)
    try:
        after = membership.apply_entry(circle.state, entry)
    except ProtocolError:
        return by.post(f"/v1/circles/{circle.cid}/log", {"entry": entry})
    envelopes = [
        circle_keys.seal_key_envelope(circle.circle_id, after.epoch, m.identity, key) for m in after.members.values()
    ]
    response = by.post(f"/v1/circles/{circle.cid}/log", {"entry": entry, "key_envelopes": envelopes})
    if response.status_code == 200:
        circle.log.append(entry)
        circle.keys[after.epoch] = key
    return response


def test_a_member_lets_in_its_companion_with_the_current_key(client: TestClient) -> None:
    admin, member, laptop = (signed_in(client) for _ in range(3))
    circle = SharedCircle(admin)
    circle.create()
    circle.add(member)
    assert _let_in(circle, member, laptop).status_code == 200
    assert _circles(laptop) == [circle.cid]
    envelopes = laptop.get(f"/v1/circles/{circle.cid}/keys").json()["data"]
    assert [e["epoch"] for e in envelopes] == [0]
    assert circle.state.person_of(laptop.keys.device_id) == member.keys.device_id


def test_a_member_unlinks_its_own_companion_but_nobody_else(client: TestClient) -> None:
    admin, member, laptop, other = (signed_in(client) for _ in range(4))
    circle = SharedCircle(admin)
    circle.create()
    circle.add(member)
    circle.add(other)
    _let_in(circle, member, laptop)
    refused = _remove(circle, member, other)
    assert (refused.status_code, refused.json()["code"]) == (422, "not_admin")
    assert _remove(circle, member, laptop).status_code == 200
    assert _circles(laptop) == []
    assert _circles(member) == _circles(other) == [circle.cid]


def test_an_admin_removes_a_person_with_every_device_of_it(client: TestClient) -> None:
    admin, member, laptop, phone = (signed_in(client) for _ in range(4))
    circle = SharedCircle(admin)
    circle.create()
    circle.add(member)
    _let_in(circle, member, laptop)
    _let_in(circle, laptop, phone)
    assert _remove(circle, admin, laptop).status_code == 200
    assert _circles(member) == _circles(laptop) == _circles(phone) == []
    assert list(circle.state.members) == [admin.keys.device_id]


def test_the_stored_head_keeps_the_persons(client: TestClient) -> None:
    admin, member, laptop = (signed_in(client) for _ in range(3))
    circle = SharedCircle(admin)
    circle.create()
    circle.add(member)
    _let_in(circle, member, laptop)
    state = circle.state
    loaded = log_head.load(circle.circle_id, log_head.dump(state))
    assert loaded is not None
    assert loaded.persons == state.persons == {laptop.keys.device_id: member.keys.device_id}
