"""The server against recovery escrows (PROTOCOL.md §15, issue 15 attack 4).

An operator can keep a copy of any escrow and serve it back later. Two things must hold: the
device that put an escrow notices an older one served in its place (its counter), and a recovery
key the person replaced opens nothing usable, even with a copy of its escrow the server kept.
"""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from support_circle.client import ApiError, CircleReplica, Device
from support_circle.client.http import Api
from support_circle.client.recovery import (
    ROLLED_BACK,
    check_escrow,
    escrow_path,
    keep_escrow,
    recover,
    replace_recovery_key,
)
from support_circle.protocol import ProtocolError, escrow, membership, primitives
from support_circle.protocol.encoding import b64u
from tests.adversarial import tampering
from tests.conftest import NewDevice


def _escrow_id(recovery_key: bytes) -> str:
    return b64u(escrow.escrow_id(recovery_key))


def test_an_older_escrow_served_back_is_caught_by_its_device(
    app: FastAPI, client: TestClient, new_device: NewDevice
) -> None:
    phone = new_device()
    plan = phone.create_circle()
    recovery_key = primitives.random_bytes(32)
    kept = keep_escrow(phone, recovery_key, plan)
    old_copy = tampering.stored_escrow(app.state.engine, _escrow_id(recovery_key))
    assert old_copy is not None
    tablet = Device.new("http://testserver", http=client)
    tablet.register()
    plan.add_member(tablet.keys.identity(), "admin")
    plan.remove_member(tablet.keys.device_id)  # the tablet was stolen: the head moves on
    kept = keep_escrow(phone, recovery_key, plan, kept)
    assert check_escrow(phone.api, kept) is not None, "the newest escrow is what this device put"

    tampering.restore_escrow(app.state.engine, _escrow_id(recovery_key), b64u(kept.identity.device_id), old_copy)
    with pytest.raises(ProtocolError) as caught:
        check_escrow(phone.api, kept)
    assert caught.value.code == "rolled_back"
    assert ROLLED_BACK in str(caught.value)


def test_the_newest_escrow_with_a_log_rolled_back_behind_it_is_refused_by_a_recovering_device(
    app: FastAPI, client: TestClient, new_device: NewDevice
) -> None:
    # What a recovering device can catch alone (§15): a log that does not reach the escrow's head.
    phone = new_device()
    plan = phone.create_circle()
    recovery_key = primitives.random_bytes(32)
    tablet = Device.new("http://testserver", http=client)
    tablet.register()
    plan.add_member(tablet.keys.identity(), "admin")
    kept = keep_escrow(phone, recovery_key, plan)
    plan.remove_member(tablet.keys.device_id)  # the tablet was stolen
    keep_escrow(phone, recovery_key, plan, kept)
    circle_id, before = b64u(plan.circle_id), plan.log[:3]
    tampering.rewrite_log(app.state.engine, circle_id, before, (2, membership.entry_hash(before[-1])))
    with pytest.raises(ProtocolError) as refused:
        recover("http://testserver", recovery_key, http=client)
    assert refused.value.code == "rolled_back"
    assert tampering.log_entries(app.state.engine, circle_id) == before, "nothing was added to it"


def test_a_replaced_recovery_key_and_a_kept_escrow_open_nothing_written_afterwards(
    app: FastAPI, client: TestClient, new_device: NewDevice
) -> None:
    phone = new_device()
    plan = phone.create_circle()
    old_key, new_key = primitives.random_bytes(32), primitives.random_bytes(32)
    kept = keep_escrow(phone, old_key, plan)
    old_copy = tampering.stored_escrow(app.state.engine, _escrow_id(old_key))
    assert old_copy is not None

    replaced = replace_recovery_key(phone, plan, kept, new_key)
    plan.write({"kind": "note", "title": "After", "text": "The new address is 14 Rata Street"})
    plan.push()
    head = plan.verified.head
    # The server kept the old escrow and serves it again; whoever saw the old key opens it.
    engine, circle_id = app.state.engine, b64u(plan.circle_id)
    tampering.restore_escrow(engine, _escrow_id(old_key), b64u(kept.identity.device_id), old_copy)
    opened = escrow.open_with_recovery_key(old_key, client.get(escrow_path(old_key)).json()["escrow"])
    assert opened.device.device_id != phone.keys.device_id, "the device's own keys never left it"

    thief = Device(opened.device, Api("", http=client))
    thief.sign_in()  # the old recovery identity is still registered
    assert circle_id not in thief.member_of(), "it is no member of the personal circle"
    with pytest.raises(ApiError) as no_log:
        thief.join_circle(opened.circle_id, opened.genesis_hash)
    assert no_log.value.status == 404
    # Whatever the server hands out, no key of the epoch written under was ever sealed to it.
    assert b64u(opened.device.device_id) not in tampering.envelope_recipients(engine, circle_id, plan.verified.epoch)
    with pytest.raises(ApiError):
        recover("http://testserver", old_key, http=client)
    assert _fresh(phone, plan).verified.head == head, "nothing was added to the log"
    members = list(_fresh(phone, plan).verified.members)
    assert members == [phone.keys.device_id, replaced.identity.device_id], "the new key's identity only"


def test_recovering_from_a_version_2_escrow_leaves_only_the_new_device(
    client: TestClient, new_device: NewDevice
) -> None:
    phone = new_device()
    plan = phone.create_circle()
    note = plan.write({"kind": "note", "title": "Bus", "text": "The bus leaves at seven"})
    plan.push()
    recovery_key = primitives.random_bytes(32)
    kept = keep_escrow(phone, recovery_key, plan)
    assert check_escrow(phone.api, kept) is not None

    device, circle = recover("http://testserver", recovery_key, http=client)
    circle.pull()
    assert circle.body(note) == {"kind": "note", "title": "Bus", "text": "The bus leaves at seven"}
    assert list(circle.verified.members) == [device.keys.device_id], "the lost phone and the identity are out"
    assert client.get(escrow_path(recovery_key)).status_code == 404, "the escrow is gone"


def _fresh(device: Device, plan: CircleReplica) -> CircleReplica:
    return device.join_circle(plan.circle_id, plan.genesis_hash)
