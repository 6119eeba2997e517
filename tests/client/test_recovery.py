"""Recovery from the server with the reference client (PROTOCOL.md §15): a new device given only
the recovery key takes the personal circle over, history and all, and the lost device is out."""

import pytest
from fastapi.testclient import TestClient

from support_circle.client import ApiError, Device
from support_circle.client.recovery import escrow_path, put_escrow, recover
from support_circle.protocol import primitives
from support_circle.protocol.encoding import b64u


def test_a_new_device_takes_the_plan_over_with_the_recovery_key(client: TestClient) -> None:
    lost = Device.new("http://testserver", http=client)
    lost.register()
    lost.sign_in()
    plan = lost.create_circle()
    first = plan.write({"kind": "note", "text": "The bus leaves at seven"})
    plan.push()
    plan.rotate()
    second = plan.write({"kind": "note", "text": "Aunt Mere has the spare key"})
    plan.push()
    recovery_key = primitives.random_bytes(32)
    put_escrow(lost, recovery_key, plan)

    device, circle = recover("http://testserver", recovery_key, http=client)
    circle.pull()
    assert circle.body(first) == {"kind": "note", "text": "The bus leaves at seven"}, "epoch 0 came along"
    assert circle.body(second) == {"kind": "note", "text": "Aunt Mere has the spare key"}
    members = circle.verified.members
    assert list(members) == [device.keys.device_id] and members[device.keys.device_id].role == "admin"
    assert b64u(plan.circle_id) not in lost.member_of(), "the lost device is out"
    with pytest.raises(ApiError) as gone:
        device.api.get(escrow_path(recovery_key))
    assert gone.value.code == "not_found"

    put_escrow(device, primitives.random_bytes(32), circle)  # the new vault's own


def test_another_recovery_key_finds_nothing(client: TestClient) -> None:
    with pytest.raises(ApiError) as missing:
        recover("http://testserver", primitives.random_bytes(32), http=client)
    assert (missing.value.status, missing.value.code) == (404, "not_found")
