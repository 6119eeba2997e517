"""Circles, records and an escrow made by the v1 release (tests/fixtures/v1/client.json and
escrow.json, generated once from v1's code) keep working with today's code: read with v1 rules,
replayed into a real server, synced by today's client, written to, and recovered from."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from support_circle.client import Api, Device
from support_circle.client.circle import CircleReplica
from support_circle.client.recovery import recover
from support_circle.protocol import circle_keys, escrow, membership, records, vault
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import DeviceKeys
from tests.upgrade.v1 import BASE, device, device_keys, load, replay

CLIENT = load("client.json")
ESCROW = load("escrow.json")
SHARED = {"personal": False, "shared": True}


def _head(circle: dict[str, Any]) -> membership.Head:
    return membership.Head(circle["head"]["seq"], unb64u(circle["head"]["hash"]))


def _bodies(circle: dict[str, Any]) -> dict[str, Any]:
    return {record_id: held["body"] for record_id, held in circle["records"].items()}


def _join(who: Device, name: str) -> CircleReplica:
    circle = CLIENT["circles"][name]
    replica = who.join_circle(
        unb64u(circle["circle_id"]), unb64u(circle["genesis_hash"]), _head(circle), shared=SHARED[name]
    )
    replica.pull()
    return replica


def _current(replica: CircleReplica) -> dict[str, Any]:
    return {b64u(record_id): revision.body for record_id, revision in replica.records.items()}


@pytest.mark.parametrize("name", ["personal", "shared"])
def test_a_v1_log_and_its_records_verify_and_open_as_stored(name: str) -> None:
    """Fixture made by the v1 release: its log, key envelopes and sealed records, with no server."""
    circle = CLIENT["circles"][name]
    circle_id = unb64u(circle["circle_id"])
    state = membership.verify_log(circle_id, unb64u(circle["genesis_hash"]), circle["log"], _head(circle))
    assert (state.head, state.epoch) == (_head(circle), circle["epoch"])
    assert {b64u(d): m.role for d, m in state.members.items()} == circle["members"]
    phone = device_keys(CLIENT, "phone")
    held = circle_keys.held_keys(
        circle["key_envelopes"]["phone"], state, phone.device_id, phone.kem_private, shared=SHARED[name]
    )
    assert set(held.keys) == set(range(state.epoch + 1)) and not held.unreadable
    newest: dict[str, Any] = {}
    for change in circle["changes"]:
        epoch = change["envelope"]["epoch"]
        payload = records.open_record(change["envelope"], held.keys, state.authors_of(epoch))
        newest[payload["record_id"]] = None if payload["deleted"] else payload["body"]
    assert newest == _bodies(circle)


@pytest.mark.parametrize("name", ["personal", "shared"])
def test_a_v1_circle_replayed_into_a_real_server_syncs_with_todays_client(client: TestClient, name: str) -> None:
    """Fixture made by the v1 release, replayed into today's server (SQLite and PostgreSQL): today's
    client opens every record, writes a record and a membership change, and a second device reads it all."""
    replay(CLIENT, client)
    second_name = "laptop" if name == "personal" else "friend"
    phone, second = device(CLIENT, "phone", client), device(CLIENT, second_name, client)
    mine, theirs = _join(phone, name), _join(second, name)
    assert _current(mine) == _bodies(CLIENT["circles"][name])
    assert _current(theirs) == CLIENT["circles"][name]["seen_by"][second_name]

    newcomer = Device(DeviceKeys.generate(), Api(BASE, http=client))
    newcomer.register()
    mine.rotate()
    mine.add_member(newcomer.keys.identity(), history=name == "personal")
    note = {"kind": "note", "title": "Now", "text": "Written by today's client"}
    written = mine.write(note)
    mine.push()
    theirs.refresh()
    theirs.pull()
    assert newcomer.keys.device_id in theirs.verified.members
    assert theirs.verified.head == mine.verified.head
    assert theirs.verified.epoch == mine.verified.epoch > CLIENT["circles"][name]["epoch"]
    assert _current(theirs) == {**CLIENT["circles"][name]["seen_by"][second_name], b64u(written): note}


def test_a_v1_escrow_opens_with_its_recovery_key_and_recovers_the_personal_circle(client: TestClient) -> None:
    """Fixture made by the v1 release: the escrow and recovery key of the phone's personal circle."""
    recovery_key = vault.recovery_key_from_text(ESCROW["recovery_text"])
    assert b64u(recovery_key) == ESCROW["recovery_key"]
    content = escrow.open_with_recovery_key(recovery_key, ESCROW["escrow"])
    expected = ESCROW["content"]
    assert content.device == device_keys(CLIENT, expected["device"])
    assert (b64u(content.circle_id), b64u(content.genesis_hash)) == (expected["circle_id"], expected["genesis_hash"])
    assert (content.head.seq, b64u(content.head.hash)) == (expected["head"]["seq"], expected["head"]["hash"])

    replay(CLIENT, client)
    new, circle = recover(BASE, recovery_key, http=client)
    circle.pull()
    personal = CLIENT["circles"]["personal"]
    assert _current(circle) == _bodies(personal)
    assert content.device.device_id not in circle.verified.members
    laptop = _join(device(CLIENT, "laptop", client), "personal")
    assert new.keys.device_id in laptop.verified.members
