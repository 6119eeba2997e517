"""Recovery from the server with the reference client (PROTOCOL.md §15): a new device given only
the recovery key takes the personal circle over, history and all, and the lost device is out.

These escrows are version 1, as the previous release put them (the device's own keys): they must
keep recovering. Version 2 escrows are in test_recovery_v2.py."""

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from support_circle.client import ApiError, CircleReplica, Device
from support_circle.client.recovery import escrow_path, keep_escrow, recover
from support_circle.protocol import ProtocolError, escrow, membership, primitives, signed
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys
from tests.adversarial import tampering
from tests.conftest import NewDevice


def put_escrow(device: Device, recovery_key: bytes, circle: CircleReplica) -> None:
    """A version 1 escrow, as the previous release put it: the device's own keys."""
    content = escrow.EscrowContent(device.keys, circle.circle_id, circle.genesis_hash, circle.verified.head)
    sealed = escrow.seal_escrow(escrow.escrow_id(recovery_key), escrow.escrow_key(recovery_key), content)
    device.call("PUT", escrow_path(recovery_key), {"escrow": sealed})


def _lost_device(new_device: NewDevice) -> tuple[Device, CircleReplica]:
    lost = new_device()
    return lost, lost.create_circle()


def _ops(log: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Each entry's op and signer, in order."""
    payloads = [json.loads(signed.decode(entry)[1]) for entry in log]
    return [(p["op"], p["signer"]) for p in payloads]


def test_a_new_device_takes_the_plan_over_with_the_recovery_key(client: TestClient, new_device: NewDevice) -> None:
    lost, plan = _lost_device(new_device)
    first = plan.write({"kind": "note", "text": "The bus leaves at seven"})
    plan.push()
    plan.rotate()
    second = plan.write({"kind": "note", "text": "Aunt Mere has the spare key"})
    plan.push()
    recovery_key = primitives.random_bytes(32)
    put_escrow(lost, recovery_key, plan)
    sealed = client.get(escrow_path(recovery_key)).json()["escrow"]
    assert (
        escrow.open_with_recovery_key(recovery_key, sealed).head
        == plan.verified.head
        == membership.Head(1, membership.entry_hash(plan.log[1]))
    ), "the escrow carries the head its device verified"

    device, circle = recover("http://testserver", recovery_key, http=client)
    circle.pull()
    assert circle.body(first) == {"kind": "note", "text": "The bus leaves at seven"}, "epoch 0 came along"
    assert circle.body(second) == {"kind": "note", "text": "Aunt Mere has the spare key"}
    members = circle.verified.members
    assert list(members) == [device.keys.device_id] and members[device.keys.device_id].role == "admin"
    rotated = [("rotate", lost.device_id), ("add", lost.device_id), ("remove", device.device_id)]
    assert _ops(circle.log)[2:] == rotated, "records existed: a new epoch before the add (§8)"
    assert b64u(plan.circle_id) not in lost.member_of(), "the lost device is out"
    # A recovery key proves nobody is the person: the replaced device is left no notice to erase itself on (§17).
    assert lost.call("GET", "/v1/unlinked") == {"data": []}
    with pytest.raises(ApiError) as gone:
        device.api.get(escrow_path(recovery_key))
    assert gone.value.code == "not_found"

    keep_escrow(device, primitives.random_bytes(32), circle)  # the new vault's own, version 2


def test_a_log_rolled_back_behind_the_escrows_head_is_refused(
    app: FastAPI, client: TestClient, new_device: NewDevice
) -> None:
    lost, plan = _lost_device(new_device)
    tablet = Device.new("http://testserver", http=client)
    tablet.register()
    plan.add_member(tablet.keys.identity(), "admin")
    plan.remove_member(tablet.keys.device_id)  # the tablet was stolen
    recovery_key = primitives.random_bytes(32)
    put_escrow(lost, recovery_key, plan)
    assert plan.verified.head.seq == 2

    # The server serves the log from before the tablet was removed, counters and all.
    circle_id, before = b64u(plan.circle_id), plan.log[:2]
    tampering.rewrite_log(app.state.engine, circle_id, before, (1, membership.entry_hash(before[-1])))
    with pytest.raises(ProtocolError) as refused:
        recover("http://testserver", recovery_key, http=client)
    assert refused.value.code == "rolled_back"
    assert "rolled the circle's membership back" in str(refused.value)
    assert tampering.log_entries(app.state.engine, circle_id) == before, "nothing was added to it"
    assert client.get(escrow_path(recovery_key)).status_code == 200, "the escrow is kept for a retry"


def test_a_retry_after_the_new_device_was_added_goes_on_from_there(client: TestClient, new_device: NewDevice) -> None:
    lost, plan = _lost_device(new_device)
    recovery_key = primitives.random_bytes(32)
    put_escrow(lost, recovery_key, plan)
    keys = DeviceKeys.generate()
    Device(keys, lost.api).register()
    plan.add_member(keys.identity(), "admin", history=True)  # as the attempt that stopped did

    device, circle = recover("http://testserver", recovery_key, http=client, keys=keys)
    assert device.keys == keys
    assert list(circle.verified.members) == [keys.device_id]
    assert _ops(circle.log)[1:] == [("add", lost.device_id), ("remove", device.device_id)], "added once"
    assert client.get(escrow_path(recovery_key)).status_code == 404


def test_a_retry_after_the_escrowed_device_was_removed_deletes_the_escrow(
    client: TestClient, new_device: NewDevice
) -> None:
    lost, plan = _lost_device(new_device)
    recovery_key = primitives.random_bytes(32)
    put_escrow(lost, recovery_key, plan)
    new = Device.new("http://testserver", http=client)
    new.register()
    plan.add_member(new.keys.identity(), "admin", history=True)
    new.sign_in()
    new.join_circle(plan.circle_id, plan.genesis_hash).remove_member(lost.keys.device_id)

    device, circle = recover("http://testserver", recovery_key, http=client, keys=new.keys)
    assert list(circle.verified.members) == [device.keys.device_id]
    assert _ops(circle.log)[1:] == [("add", lost.device_id), ("remove", device.device_id)]
    assert client.get(escrow_path(recovery_key)).status_code == 404


def test_another_recovery_key_finds_nothing(client: TestClient) -> None:
    with pytest.raises(ApiError) as missing:
        recover("http://testserver", primitives.random_bytes(32), http=client)
    assert (missing.value.status, missing.value.code) == (404, "not_found")


def test_a_version_1_escrow_is_replaced_by_a_version_2_one_under_the_same_key(
    client: TestClient, new_device: NewDevice
) -> None:
    lost, plan = _lost_device(new_device)
    recovery_key = primitives.random_bytes(32)
    put_escrow(lost, recovery_key, plan)  # the previous release's, with the device's own keys
    kept = keep_escrow(lost, recovery_key, plan)
    opened = escrow.open_with_recovery_key(recovery_key, client.get(escrow_path(recovery_key)).json()["escrow"])
    assert opened.escrowing is not None and opened.escrowing.counter == kept.counter == 1
    assert opened.device == kept.identity != lost.keys, "the device's own keys are gone from the server"
