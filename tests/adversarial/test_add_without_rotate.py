"""An admin lets a new member in under a key that things were already written under (issue 15).

A hostile admin's device, using the protocol's functions directly, adds a member without starting a
new epoch first, so the newcomer would get the key of everything written before it was let in; or
signs the version 1 form of an entry to step around a version 2 rule. The server refuses it, and when
a server on the admin's side serves it anyway (an edit of its own database, as
test_malicious_server.py does it), an honest member's verifier refuses the log (PROTOCOL §8, "Rotate
before add" and "No way back to version 1").
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from support_circle.client import Device
from support_circle.client import invites as client_invites
from support_circle.client.circle import CircleReplica
from support_circle.client.http import ApiError
from support_circle.protocol import ProtocolError, circle_keys, membership
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys
from tests.adversarial import tampering


@dataclass
class Circle:
    """Alice's shared circle with Bea, let in before anything was written; ``engine`` is the server's database."""

    alice: CircleReplica
    bea: CircleReplica
    engine: Engine

    @property
    def id(self) -> str:
        return b64u(self.alice.circle_id)


def _join(circle: CircleReplica, joiner: Device) -> CircleReplica:
    secret = client_invites.create_invite(circle)
    invite, request_id = client_invites.request_to_join(joiner, secret)
    [pending] = client_invites.pending_requests(circle, secret)
    circle.approve(request_id, pending["request"])
    return joiner.join_circle(invite.circle_id, invite.genesis_hash, shared=True)


@pytest.fixture
def circle(app: FastAPI, new_device: Callable[[], Device]) -> Circle:
    alice = new_device().create_circle(shared=True)
    bea = _join(alice, new_device())
    alice.write({"kind": "note", "title": "Friday", "text": "not for whoever comes later"})
    alice.push()
    alice.pull()
    bea.pull()
    return Circle(alice, bea, app.state.engine)


def _post(replica: CircleReplica, entry: dict[str, Any], envelopes: list[dict[str, Any]]) -> ApiError:
    with pytest.raises(ApiError) as refused:
        replica.device.call("POST", f"{replica.path}/log", {"entry": entry, "key_envelopes": envelopes})
    return refused.value


def _current_key_for(replica: CircleReplica, newcomer: DeviceKeys) -> list[dict[str, Any]]:
    """What the hostile admin hands the newcomer: the key everything so far was written under."""
    epoch = replica.verified.epoch
    return [circle_keys.seal_key_envelope(replica.circle_id, epoch, newcomer.public, replica.keys[epoch])]


def _served(circle: Circle, entry: dict[str, Any]) -> ProtocolError:
    """The server appends ``entry`` behind its own checks; Bea verifies the log it is shown."""
    entries = [*tampering.log_entries(circle.engine, circle.id), entry]
    tampering.rewrite_log(circle.engine, circle.id, entries, (len(entries) - 1, membership.entry_hash(entry)))
    with pytest.raises(ProtocolError) as refused:
        circle.bea.refresh()
    return refused.value


def test_an_add_without_a_rotate_after_records_exist_is_refused_by_the_server(circle: Circle) -> None:
    dan = DeviceKeys.generate()
    state, pulled = circle.alice.verified, circle.alice.cursor
    envelopes = _current_key_for(circle.alice, dan)
    assert pulled == 1 and state.began_at == 0, "epoch 0 began at 0, and a note was placed under it since"

    at_the_head = membership.add(circle.alice.device.keys, state, dan.identity(), "member", pulled)
    assert _post(circle.alice, at_the_head, envelopes).code == "invalid_operation"
    # Naming the epoch's start instead: the change log has moved past it.
    at_the_start = membership.add(circle.alice.device.keys, state, dan.identity(), "member", 0)
    assert _post(circle.alice, at_the_start, envelopes).code == "changes_moved"
    # The version 1 form, which carries no position at all, after the log's v2 entries.
    as_v1 = membership.add(circle.alice.device.keys, state, dan.identity())
    assert _post(circle.alice, as_v1, envelopes).code == "invalid_operation"
    circle.alice.refresh()
    assert list(circle.alice.verified.members) == list(state.members), "nobody was let in"


def test_a_served_add_without_a_rotate_is_refused_by_an_honest_member(circle: Circle) -> None:
    """The add names where the log really was. (One that names the epoch's start, 0, reads as valid:
    only the server's check stops it, and an admin holds every key it could hand over anyway.)"""
    dan = DeviceKeys.generate()
    state = circle.alice.verified
    entry = membership.add(circle.alice.device.keys, state, dan.identity(), "member", circle.alice.cursor)
    assert _served(circle, entry).code == "invalid_operation"


def test_a_served_v1_add_after_v2_entries_is_refused_by_an_honest_member(circle: Circle) -> None:
    dan = DeviceKeys.generate()
    entry = membership.add(circle.alice.device.keys, circle.alice.verified, dan.identity())
    assert _served(circle, entry).code == "invalid_operation"


def test_a_v1_leave_after_v2_entries_is_refused_by_the_server_and_by_a_member(
    circle: Circle, new_device: Callable[[], Device]
) -> None:
    """A leaver who signs the v1 form would choose the key the others write under next."""
    cat = _join(circle.alice, new_device())
    circle.bea.refresh()
    state, key = cat.verified, circle_keys.new_epoch_key()
    leave = membership.leave(cat.device.keys, state, key)
    staying = [m.identity for d, m in state.members.items() if d != cat.device.keys.device_id]
    envelopes = [circle_keys.seal_key_envelope(cat.circle_id, state.epoch + 1, m, key) for m in staying]
    assert _post(cat, leave, envelopes).code == "invalid_operation"
    assert _served(circle, leave).code == "invalid_operation"
