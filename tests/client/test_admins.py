"""Several admins and handing a circle over (PROTOCOL.md §8 ``role``): an admin names another,
the last admin cannot leave, and the admin named goes on letting people in."""

from datetime import UTC, datetime
from typing import Any

import pytest

from support_circle.client import invites as client_invites
from support_circle.client.circle import CircleReplica
from support_circle.client.device import Device
from support_circle.client.http import ApiError
from support_circle.protocol import ProtocolError, invites, membership, signed
from support_circle.protocol.encoding import b64u, parse_json
from support_circle.protocol.identity import DeviceKeys
from tests.conftest import NewDevice
from tests.support.circles import join_by_invite


def _role(replica: CircleReplica, of: CircleReplica) -> str | None:
    member = replica.verified.members.get(of.device.keys.device_id)
    return member.role if member else None


def test_the_only_admin_cannot_leave(new_device: NewDevice) -> None:
    alice = new_device().create_circle(shared=True)
    join_by_invite(alice, new_device(), shared=True)
    with pytest.raises(ApiError) as refused:
        alice.leave()
    assert refused.value.code == "invalid_operation"


def test_a_second_admin_approves_a_join_after_the_first_leaves(new_device: NewDevice) -> None:
    """Issue 17 as the lead settled it: A and B admins, A leaves, a joiner asks on B's link and B
    approves. A's links die with A's membership (see the test after the next)."""
    alice = new_device().create_circle(shared=True)
    bea = join_by_invite(alice, new_device(), shared=True)
    alice.set_role(bea.device.keys.device_id, "admin")
    bea.refresh()
    assert _role(bea, bea) == "admin"
    alice.leave()
    bea.refresh()
    assert _role(bea, alice) is None
    cai = join_by_invite(bea, new_device(), shared=True)
    bea.refresh()
    assert _role(bea, cai) == "member"
    bea.write({"kind": "note", "title": "after", "text": "handed over"})
    bea.push()
    cai.pull()
    assert [r.body["text"] for r in cai.records.values() if r.body and r.body.get("kind") == "note"] == ["handed over"]


def test_an_admin_makes_an_admin_a_member_again(new_device: NewDevice) -> None:
    alice = new_device().create_circle(shared=True)
    bea = join_by_invite(alice, new_device(), shared=True)
    alice.set_role(bea.device.keys.device_id, "admin")
    bea.refresh()
    bea.set_role(alice.device.keys.device_id, "member")
    alice.refresh()
    assert (_role(alice, alice), _role(alice, bea)) == ("member", "admin")
    with pytest.raises(ApiError) as refused:
        alice.set_role(bea.device.keys.device_id, "member")
    assert refused.value.code == "not_admin"


def test_any_admin_approves_a_request_on_another_current_admins_link(new_device: NewDevice) -> None:
    """Issue 17: admin A invites and is away; B, who never held the link, approves; the joiner
    verifies the circle (A an admin there) and reads it."""
    alice = new_device().create_circle(shared=True)
    bea = join_by_invite(alice, new_device(), shared=True)
    secret = client_invites.create_invite(alice)
    alice.set_role(bea.device.keys.device_id, "admin")
    cai_device = new_device()
    invite, request_id = client_invites.request_to_join(cai_device, secret)
    [pending] = client_invites.requests_for_any_admin(bea)
    assert pending["request_id"] == request_id
    client_invites.approve_by_invite(bea, request_id, pending["request"])
    cai = cai_device.join_circle(invite.circle_id, invite.genesis_hash, shared=True)
    invites.check_inviter_is_admin(invite, cai.verified, invite.genesis_hash)
    bea.write({"kind": "note", "title": "after", "text": "welcome"})
    bea.push()
    cai.pull()
    assert [r.body["text"] for r in cai.records.values() if r.body and r.body.get("kind") == "note"] == ["welcome"]


def test_an_admin_who_left_takes_their_links_along(new_device: NewDevice) -> None:
    """An admin who left keeps no inviter standing: a link they made before leaving (or sign after)
    is listed by no admin, and a joiner let in on it anyway finds the inviter ``not_admin``."""
    alice = new_device().create_circle(shared=True)
    bea = join_by_invite(alice, new_device(), shared=True)
    secret = client_invites.create_invite(alice)
    alice.set_role(bea.device.keys.device_id, "admin")
    alice.leave()
    _assert_the_link_is_honoured_by_no_admin(bea, new_device(), secret)


def test_an_approval_checks_the_inviter_again_on_the_log_it_signs_on(new_device: NewDevice) -> None:
    """The inviter may be removed between the list and the approval: the approving admin's client
    refreshes the log and checks again before it signs the ``add``."""
    alice = new_device().create_circle(shared=True)
    bea = join_by_invite(alice, new_device(), shared=True)
    dan = join_by_invite(alice, new_device(), shared=True)
    alice.set_role(bea.device.keys.device_id, "admin")
    alice.set_role(dan.device.keys.device_id, "admin")
    dan.refresh()
    secret = client_invites.create_invite(dan)
    _invite, request_id = client_invites.request_to_join(new_device(), secret)
    [pending] = client_invites.requests_for_any_admin(bea)
    alice.refresh()
    alice.remove_member(dan.device.keys.device_id)
    with pytest.raises(ProtocolError) as refused:
        client_invites.approve_by_invite(bea, request_id, pending["request"])
    assert refused.value.code == "not_admin"
    assert bea.device.call("GET", f"{bea.path}/requests")["data"][0]["request_id"] == request_id


def test_a_removed_members_old_request_listed_again_is_not_shown(new_device: NewDevice) -> None:
    """A server that marks a removed member's approved request pending again gets it approved by
    no admin (the list leaves it out by the same check): letting that device back in takes a new
    link."""
    alice = new_device().create_circle(shared=True)
    bea = join_by_invite(alice, new_device(), shared=True)
    alice.set_role(bea.device.keys.device_id, "admin")
    secret = client_invites.create_invite(alice)
    eve_device = new_device()
    _invite, request_id = client_invites.request_to_join(eve_device, secret)
    [pending] = client_invites.requests_for_any_admin(bea)
    client_invites.approve_by_invite(bea, request_id, pending["request"])
    alice.refresh()
    alice.remove_member(eve_device.keys.device_id)
    with pytest.raises(ProtocolError) as refused:
        client_invites.approve_by_invite(bea, request_id, pending["request"])
    assert refused.value.code == "not_admin"


def test_a_member_who_is_not_an_admin_cannot_check_requests(new_device: NewDevice) -> None:
    alice = new_device().create_circle(shared=True)
    bea = join_by_invite(alice, new_device(), shared=True)
    secret = client_invites.create_invite(alice)
    client_invites.request_to_join(new_device(), secret)
    with pytest.raises(ApiError) as refused:
        client_invites.requests_for_any_admin(bea)
    assert refused.value.code == "not_admin"


def test_an_admin_removed_by_another_leaves_no_invite_the_circle_honours(new_device: NewDevice) -> None:
    """A removed admin (the person doing harm, say) may still hold links they made: the admins who
    stay see no request on them, and a joiner let in anyway would find the inviter ``not_admin``."""
    alice = new_device().create_circle(shared=True)
    bea = join_by_invite(alice, new_device(), shared=True)
    alice.set_role(bea.device.keys.device_id, "admin")
    secret = client_invites.create_invite(alice)
    bea.refresh()
    bea.remove_member(alice.device.keys.device_id)
    _assert_the_link_is_honoured_by_no_admin(bea, new_device(), secret)


def test_a_request_the_server_makes_up_is_not_shown_to_any_admin(new_device: NewDevice) -> None:
    """The server knows every invite's ``auth_pub`` but cannot sign an invite as an admin: a request
    carrying an invite signed by a stranger, or an admin's invite for another circle or another
    link, fails any admin's check."""
    alice = new_device().create_circle(shared=True)
    bea = join_by_invite(alice, new_device(), shared=True)
    alice.set_role(bea.device.keys.device_id, "admin")
    bea.refresh()
    secret = client_invites.create_invite(alice)
    client_invites.request_to_join(new_device(), secret)
    [pending] = client_invites.requests_for_any_admin(bea)
    request, genesis = pending["request"], membership.genesis_hash(bea.log)
    payload = parse_json(signed.decode(request["invite"])[1])

    def resigned(by: DeviceKeys, **changes: str) -> dict[str, Any]:
        return by.sign({**payload, "signer": b64u(by.device_id), **changes})

    forged = {
        "not_admin": resigned(DeviceKeys.generate()),
        "context_mismatch": resigned(alice.device.keys, circle_id=b64u(bytes(16))),
        "bad_proof": resigned(alice.device.keys, auth_pub=b64u(invites.derive(invites.new_secret()).auth_pub)),
    }
    now = datetime.now(UTC)
    assert invites.verify_request_by_invite(
        bea.verified, genesis, {**request, "invite": resigned(alice.device.keys)}, now
    )
    for code, invite in forged.items():
        with pytest.raises(ProtocolError) as refused:
            invites.verify_request_by_invite(bea.verified, genesis, {**request, "invite": invite}, now)
        assert refused.value.code == code


def _assert_the_link_is_honoured_by_no_admin(admin: CircleReplica, joiner: Device, secret: bytes) -> None:
    """A request on the link is listed to no admin, and a joiner let in on it anyway finds its inviter
    ``not_admin``."""
    invite, _request_id = client_invites.request_to_join(joiner, secret)
    assert client_invites.requests_for_any_admin(admin) == []
    with pytest.raises(ProtocolError) as refused:
        invites.check_inviter_is_admin(invite, admin.verified, invite.genesis_hash)
    assert refused.value.code == "not_admin"
