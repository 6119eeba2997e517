"""A member's bad data is that member's problem only (PROTOCOL.md §16): in a shared circle the
reference client passes over what a member can break, names the member, and keeps syncing; what
only the server can do is still refused."""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from support_circle.client import Device
from support_circle.client import invites as client_invites
from support_circle.client.circle import CircleReplica, _public
from support_circle.protocol import ProtocolError, circle_keys, membership, primitives, records
from support_circle.protocol.encoding import b64u, unb64u
from tests.adversarial import tampering
from tests.conftest import NewDevice
from tests.support.circles import join_by_invite
from tests.support.rewritten import Rewrite, RewrittenPages


@dataclass
class Circle:
    """Alice's shared circle, with Bea and Mallory, each a member by invite."""

    alice: CircleReplica
    bea: CircleReplica
    mallory: CircleReplica

    @property
    def path(self) -> str:
        return self.alice.path


def _join_as_v1(circle: CircleReplica, joiner: Device) -> CircleReplica:
    """Admits as a version 1 app did: a v1 ``add`` under the current epoch, no rotate (§18)."""
    secret = client_invites.create_invite(circle)
    invite, request_id = client_invites.request_to_join(joiner, secret)
    [pending] = client_invites.pending_requests(circle, secret)
    identity, state = pending["request"]["identity"], circle.verified
    entry = membership.add(circle.device.keys, state, identity)
    envelope = circle_keys.seal_key_envelope(circle.circle_id, state.epoch, _public(identity), circle.keys[state.epoch])
    body = {"entry": entry, "key_envelopes": [envelope]}
    circle.device.call("POST", f"{circle.path}/requests/{request_id}/approve", body)
    circle.refresh()
    return joiner.join_circle(invite.circle_id, invite.genesis_hash, shared=True)


@pytest.fixture
def circle(new_device: NewDevice) -> Circle:
    alice = new_device().create_circle(shared=True)
    bea, mallory = join_by_invite(alice, new_device(), shared=True), join_by_invite(alice, new_device(), shared=True)
    return Circle(alice, bea, mallory)


@pytest.fixture
def v1_circle(new_device: NewDevice) -> Circle:
    """The same circle with a log made by version 1 alone, where a v1 ``leave`` is still read."""
    alice = new_device().create_circle(shared=True)
    bea, mallory = _join_as_v1(alice, new_device()), _join_as_v1(alice, new_device())
    return Circle(alice, bea, mallory)


def _garbage(circle: Circle) -> dict[str, Any]:
    return tampering.unreadable_envelope(circle.alice.circle_id, circle.mallory.verified.epoch)


def _push_raw(replica: CircleReplica, envelope: dict[str, Any], base_seq: int | None = None) -> None:
    change = {"change_id": b64u(primitives.random_bytes(16)), "base_seq": base_seq, "envelope": envelope}
    replica.device.call("POST", f"{replica.path}/changes", {"changes": [change]})


def _leave_with_a_bad_key(replica: CircleReplica) -> int:
    """Leaves committing to one key and sealing another to the members who stay."""
    state = replica.verified
    committed, sealed = circle_keys.new_epoch_key(), circle_keys.new_epoch_key()
    entry = membership.leave(replica.device.keys, state, committed)
    staying = [m.identity for d, m in state.members.items() if d != replica.device.keys.device_id]
    envelopes = [circle_keys.seal_key_envelope(replica.circle_id, state.epoch + 1, m, sealed) for m in staying]
    replica.device.call("POST", f"{replica.path}/log", {"entry": entry, "key_envelopes": envelopes})
    return state.epoch + 1


def test_a_new_member_reads_nothing_written_before_it_was_let_in(circle: Circle, new_device: NewDevice) -> None:
    """PROTOCOL §8 "Rotate before add": a new epoch before each add, unless nothing was placed under
    the current one since it began (Bea and Mallory, admitted before anything was written)."""
    circle.alice.write({"title": "before", "text": "written before Cai was let in"})
    circle.alice.push()
    cai = join_by_invite(circle.alice, new_device(), shared=True)
    ops = [json.loads(unb64u(entry["payload"]))["op"] for entry in circle.alice.log]
    assert ops == ["genesis", "add", "add", "rotate", "add"], "a rotate once something was written"
    assert set(cai.keys) == {circle.alice.verified.epoch}, "the new member holds only the epoch it joined in"
    cai.pull()
    assert cai.records == {} and not cai.set_aside, "what was written before is under a key it never got"


def test_a_members_unreadable_record_is_set_aside_and_the_circle_keeps_syncing(circle: Circle) -> None:
    _push_raw(circle.mallory, _garbage(circle))
    note = circle.alice.write({"kind": "note", "text": "Friday at Rewa's"})
    circle.alice.push()
    assert circle.bea.pull() == 2
    assert circle.bea.body(note) == {"kind": "note", "text": "Friday at Rewa's"}
    [aside] = circle.bea.set_aside
    assert (aside.seq, aside.author, aside.reason) == (1, circle.mallory.device.device_id, "decrypt_failed")
    # Passed over once: later pulls move on from it.
    later = circle.alice.write({"kind": "note", "text": "and Saturday"})
    circle.alice.push()
    assert circle.bea.pull() == 1
    assert circle.bea.body(later) == {"kind": "note", "text": "and Saturday"}
    assert len(circle.bea.set_aside) == 1


def test_a_leavers_bad_key_blocks_nobody_and_the_next_writer_rotates_past_it(v1_circle: Circle) -> None:
    circle = v1_circle
    leave_epoch = _leave_with_a_bad_key(circle.mallory)
    circle.alice.refresh()
    circle.bea.refresh()
    assert circle.alice.unreadable == circle.bea.unreadable == frozenset({leave_epoch})
    assert leave_epoch not in circle.alice.keys
    # Nothing is sealed under a key a leaver made: Bea, a plain member, starts a new epoch first (§8).
    written = circle.bea.write({"kind": "note", "text": "under a key Bea made"})
    circle.bea.push()
    assert not circle.bea.outbox and circle.bea.verified.epoch == leave_epoch + 1
    note = circle.alice.write({"kind": "note", "text": "after the new key"})
    circle.alice.push()
    circle.bea.pull()
    circle.alice.pull()
    assert circle.bea.body(note) == {"kind": "note", "text": "after the new key"}
    assert circle.alice.body(written) == {"kind": "note", "text": "under a key Bea made"}


def test_a_record_under_the_leavers_epoch_is_set_aside_and_named_after_the_leaver(v1_circle: Circle) -> None:
    """Bea got a sound key from Mallory, Alice a bad one: what Bea writes under it Alice cannot read."""
    circle = v1_circle
    state = circle.mallory.verified
    key, bad = circle_keys.new_epoch_key(), circle_keys.new_epoch_key()
    entry = membership.leave(circle.mallory.device.keys, state, key)
    ids = {"alice": circle.alice.device.keys.device_id, "bea": circle.bea.device.keys.device_id}
    envelopes = [
        circle_keys.seal_key_envelope(
            circle.alice.circle_id, state.epoch + 1, state.members[ids["alice"]].identity, bad
        ),
        circle_keys.seal_key_envelope(circle.alice.circle_id, state.epoch + 1, state.members[ids["bea"]].identity, key),
    ]
    circle.mallory.device.call("POST", f"{circle.path}/log", {"entry": entry, "key_envelopes": envelopes})
    circle.bea.refresh()
    # A version 1 app still seals under the leaver's epoch; this one would rotate first.
    ref = records.RecordRef(circle.bea.circle_id, primitives.random_bytes(16), state.epoch + 1)
    sealed = records.seal_record(
        circle.bea.device.keys,
        ref,
        key,
        change_id=primitives.random_bytes(16),
        hlc=circle.bea.clock.tick(),
        body={"kind": "note", "text": "under Mallory's key"},
    )
    change = {"change_id": b64u(primitives.random_bytes(16)), "base_seq": None, "envelope": sealed}
    circle.bea.device.call("POST", f"{circle.bea.path}/changes", {"changes": [change]})
    circle.alice.pull()
    [aside] = circle.alice.set_aside
    assert (aside.author, aside.reason) == (circle.mallory.device.device_id, "unreadable_epoch")


def test_what_only_the_server_can_do_is_still_refused_in_a_shared_circle(app: FastAPI, circle: Circle) -> None:
    """A key swapped in an epoch an admin began is refused, not passed over."""
    circle.alice.rotate()
    made_up = circle_keys.seal_key_envelope(
        circle.alice.circle_id, 1, circle.bea.device.keys.public, circle_keys.new_epoch_key()
    )
    cid = b64u(circle.alice.circle_id)
    tampering.replace_key_envelope(app.state.engine, cid, 1, circle.bea.device.device_id, made_up)
    with pytest.raises(ProtocolError) as refused:
        circle.bea.pull()
    assert refused.value.code == "key_mismatch"


def test_the_personal_circle_still_refuses_an_unreadable_record(new_device: NewDevice) -> None:
    mine = new_device().create_circle()
    _push_raw(mine, tampering.unreadable_envelope(mine.circle_id, 0))
    with pytest.raises(ProtocolError) as refused:
        mine.pull()
    assert refused.value.code == "decrypt_failed"


def test_garbage_under_a_held_record_moves_its_base_so_it_can_still_be_edited(circle: Circle) -> None:
    note = circle.alice.write({"kind": "note", "text": "first words"})
    circle.alice.push()
    circle.bea.pull()
    _push_raw(circle.mallory, {**_garbage(circle), "record_id": b64u(note)}, circle.bea.records[note].seq)
    circle.bea.pull()
    assert circle.bea.body(note) == {"kind": "note", "text": "first words"}
    circle.bea.write({"kind": "note", "text": "first words, and mine"}, note)
    circle.bea.push()
    assert not circle.bea.outbox
    circle.alice.pull()
    assert circle.alice.body(note) == {"kind": "note", "text": "first words, and mine"}


def _epoch_as(epoch: object) -> Rewrite:
    """A server whose code was changed to serve every change's ``epoch`` as ``epoch``."""

    def rewrite(page: dict[str, Any]) -> dict[str, Any]:
        for change in page["data"]:
            change["envelope"]["epoch"] = epoch
        return page

    return rewrite


def _device_behind(client: TestClient, epoch: object) -> Device:
    device = Device.new("http://testserver", http=RewrittenPages(client, _epoch_as(epoch)))
    device.register()
    device.sign_in()
    return device


@pytest.mark.parametrize("epoch", [1.5, "1", 1.0, True], ids=["fraction", "string", "float one", "true"])
def test_an_epoch_that_is_no_integer_is_set_aside_as_malformed(
    client: TestClient, circle: Circle, epoch: object
) -> None:
    """PROTOCOL §7 step 2 and §16: such an envelope names no epoch, so no rule about epochs reads it."""
    cai = join_by_invite(circle.alice, _device_behind(client, epoch), shared=True)
    circle.mallory.write({"kind": "note", "text": "Friday"})
    circle.mallory.push()
    assert cai.pull() == 1
    [aside] = cai.set_aside
    assert (aside.seq, aside.reason) == (1, "malformed")
    assert cai.records == {}


def test_the_personal_circle_refuses_an_epoch_that_is_no_integer(client: TestClient, new_device: NewDevice) -> None:
    mine = new_device().create_circle()
    mine.write({"kind": "note", "text": "mine"})
    mine.push()
    other = _device_behind(client, 0.5)
    mine.add_member(other.keys.identity())
    theirs = other.join_circle(mine.circle_id, mine.genesis_hash)
    with pytest.raises(ProtocolError) as refused:
        theirs.pull()
    assert refused.value.code == "malformed"
