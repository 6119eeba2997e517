"""Several admins and handing a circle over (PROTOCOL.md §8 ``role``): an admin names another,
the last admin cannot leave, and the admin named goes on letting people in."""

import pytest

from support_circle.client.circle import CircleReplica
from support_circle.client.http import ApiError
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
