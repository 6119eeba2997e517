"""The server plays against its users (docs/architecture.md §3): it edits its own database between syncs.

Every tampering here is one a compelled operator could do with a SQL prompt. The reference client
must refuse each with the code PROTOCOL.md §11 names for it, apply nothing of it, and say what
the server did.
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
from support_circle.protocol import ProtocolError, circle_keys, invites, membership, primitives
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import DeviceKeys
from tests.adversarial import tampering
from tests.support.circles import join_by_invite


@dataclass
class Circle:
    """Alice's circle, which Bea joined by invite; ``engine`` is the server's own database."""

    alice: Device
    bea: Device
    mine: CircleReplica
    hers: CircleReplica
    engine: Engine

    @property
    def id(self) -> str:
        return b64u(self.mine.circle_id)

    def write(self, body: dict[str, Any], record_id: bytes | None = None) -> bytes:
        record_id = self.mine.write(body, record_id)
        self.mine.push()
        return record_id


@pytest.fixture
def circle(app: FastAPI, new_device: Callable[[], Device]) -> Circle:
    alice, bea = new_device(), new_device()
    mine = alice.create_circle()
    return Circle(alice, bea, mine, join_by_invite(mine, bea), app.state.engine)


def _refused(code: str, action: Callable[[], object]) -> ProtocolError:
    with pytest.raises(ProtocolError) as refused:
        action()
    assert refused.value.code == code, str(refused.value)
    assert "refused" in str(refused.value) or "server" in str(refused.value), "say what the server did"
    return refused.value


# Records: altered, moved, replayed ----------------------------------------------------------------


def _flip_a_byte(envelope: dict[str, Any]) -> dict[str, Any]:
    ct = bytearray(unb64u(envelope["ct"]))
    ct[len(ct) // 2] ^= 0x01
    return {**envelope, "ct": b64u(bytes(ct))}


def test_an_altered_ciphertext_is_refused(circle: Circle) -> None:
    note = circle.write({"kind": "note", "text": "the plan for Friday"})
    tampering.edit_change(circle.engine, circle.id, 1, _flip_a_byte)
    error = _refused("decrypt_failed", circle.hers.pull)
    assert "altered" in str(error)
    assert circle.hers.body(note) is None
    assert circle.hers.cursor == 0


def test_a_record_moved_to_another_record_id_is_refused(circle: Circle) -> None:
    circle.write({"kind": "note", "text": "Sam's number is in the blue book"})
    other = circle.write({"kind": "ally", "name": "Sam"})
    circle.hers.pull()
    moved = {**tampering.changes(circle.engine, circle.id)[0].envelope, "record_id": b64u(other)}
    tampering.append_change(circle.engine, circle.id, moved, circle.alice.device_id)
    error = _refused("decrypt_failed", circle.hers.pull)
    assert "moved" in str(error)
    assert circle.hers.body(other) == {"kind": "ally", "name": "Sam"}


@pytest.fixture
def elsewhere(circle: Circle) -> dict[str, Any]:
    """The envelope of a record in another circle of Alice's, which Bea also belongs to."""
    theirs = circle.alice.create_circle()
    join_by_invite(theirs, circle.bea)
    theirs.write({"kind": "note", "text": "for the other circle only"})
    theirs.push()
    return tampering.changes(circle.engine, b64u(theirs.circle_id))[0].envelope


def test_a_record_moved_from_another_circle_is_refused(circle: Circle, elsewhere: dict[str, Any]) -> None:
    relabelled = {**elsewhere, "circle_id": circle.id}
    tampering.append_change(circle.engine, circle.id, relabelled, circle.alice.device_id)
    _refused("decrypt_failed", circle.hers.pull)
    assert circle.hers.records == {}


def test_a_record_of_another_circle_served_as_it_is_is_refused(circle: Circle, elsewhere: dict[str, Any]) -> None:
    tampering.append_change(circle.engine, circle.id, elsewhere, circle.alice.device_id)
    error = _refused("context_mismatch", circle.hers.pull)
    assert "another circle" in str(error)


def test_a_replayed_old_revision_is_refused(circle: Circle) -> None:
    note = circle.write({"kind": "note", "text": "meet at the library"})
    circle.write({"kind": "note", "text": "meet at the library, not the park"}, note)
    circle.hers.pull()
    old = tampering.changes(circle.engine, circle.id)[0].envelope
    tampering.append_change(circle.engine, circle.id, old, circle.alice.device_id)
    error = _refused("rolled_back", circle.hers.pull)
    assert "replayed an old revision" in str(error)
    assert circle.hers.body(note) == {"kind": "note", "text": "meet at the library, not the park"}


def test_a_replayed_old_revision_is_refused_by_a_device_reading_from_the_start(
    circle: Circle, new_device: Callable[[], Device]
) -> None:
    # Let in before anything was written, so no new epoch keeps the words from it (§8); it pulls later.
    newcomer = join_by_invite(circle.mine, new_device())
    note = circle.write({"kind": "note", "text": "first words"})
    circle.write({"kind": "note", "text": "second words"}, note)
    old = tampering.changes(circle.engine, circle.id)[0].envelope
    tampering.append_change(circle.engine, circle.id, old, circle.alice.device_id)
    _refused("rolled_back", newcomer.pull)


# The change log rolled back ------------------------------------------------------------------------


def test_a_change_log_rolled_back_behind_the_cursor_is_refused(circle: Circle) -> None:
    for n in range(3):
        circle.write({"kind": "checkin", "text": f"check-in {n}"})
    assert circle.hers.pull() == 3
    tampering.truncate_changes(circle.engine, circle.id, keep=1)
    error = _refused("rolled_back", circle.hers.pull)
    assert "already pulled change 3" in str(error)


def test_a_rolled_back_change_log_is_refused_after_new_writes(circle: Circle) -> None:
    for n in range(3):
        circle.write({"kind": "checkin", "text": f"check-in {n}"})
    circle.hers.pull()
    tampering.truncate_changes(circle.engine, circle.id, keep=0)
    circle.write({"kind": "checkin", "text": "after the roll-back"})
    _refused("rolled_back", circle.hers.pull)


# The membership log: dropped, injected, forged, rolled back -----------------------------------------


@pytest.fixture
def grown(circle: Circle, new_device: Callable[[], Device]) -> Circle:
    """The circle with a longer log: genesis, add Bea, add Cleo, rotate; Bea has verified it all."""
    join_by_invite(circle.mine, new_device())
    circle.mine.rotate()
    circle.hers.refresh()
    assert circle.hers.verified.head.seq == 3
    return circle


def _serve_log(circle: Circle, entries: list[dict[str, Any]]) -> None:
    head = (len(entries) - 1, membership.entry_hash(entries[-1]))
    tampering.rewrite_log(circle.engine, circle.id, entries, head)


def _next_entry(state: membership.CircleState, signer: DeviceKeys, op: str, **fields: Any) -> dict[str, Any]:
    return membership.entry(signer, state.circle_id, state.head.seq + 1, state.head.hash, op, **fields)


def test_a_dropped_membership_entry_is_refused(grown: Circle) -> None:
    entries = tampering.log_entries(grown.engine, grown.id)
    _serve_log(grown, [entries[0], entries[1], entries[3]])
    error = _refused("broken_chain", grown.hers.pull)
    assert "dropped" in str(error)


def test_reordered_membership_entries_are_refused(grown: Circle) -> None:
    entries = tampering.log_entries(grown.engine, grown.id)
    _serve_log(grown, [entries[0], entries[2], entries[1], entries[3]])
    # The head is unchanged, so a pull has no reason to fetch the log; any full check refuses it.
    grown.hers.pull()
    _refused("broken_chain", grown.hers.refresh)


def test_a_member_injected_by_a_non_member_is_refused(grown: Circle) -> None:
    mallory = DeviceKeys.generate()
    state = grown.hers.verified
    injected = _next_entry(state, mallory, "add", member={"identity": mallory.identity(), "role": "admin"})
    _serve_log(grown, [*tampering.log_entries(grown.engine, grown.id), injected])
    error = _refused("unknown_author", grown.hers.pull)
    assert "injected" in str(error)
    assert grown.hers.verified.head.seq == 3


def test_a_member_injected_in_an_admins_name_is_refused(grown: Circle) -> None:
    mallory = DeviceKeys.generate()
    state = grown.hers.verified
    forged = _next_entry(state, mallory, "add", member={"identity": mallory.identity(), "role": "member"})
    forged = {**forged, "signer": grown.alice.device_id}
    _serve_log(grown, [*tampering.log_entries(grown.engine, grown.id), forged])
    _refused("bad_signature", grown.hers.pull)


def test_a_member_added_by_a_non_admin_is_refused(grown: Circle) -> None:
    mallory = DeviceKeys.generate()
    added = _next_entry(
        grown.hers.verified, grown.bea.keys, "add", member={"identity": mallory.identity(), "role": "member"}
    )
    _serve_log(grown, [*tampering.log_entries(grown.engine, grown.id), added])
    _refused("not_admin", grown.hers.pull)


def test_a_member_promoted_by_the_server_is_refused(grown: Circle) -> None:
    entries = tampering.log_entries(grown.engine, grown.id)
    payload = unb64u(entries[2]["payload"])
    assert payload.count(b'"role":"member"') == 1
    entries[2] = {**entries[2], "payload": b64u(payload.replace(b'"role":"member"', b'"role":"admin"'))}
    _serve_log(grown, entries)
    _refused("bad_signature", grown.hers.refresh)


def test_a_log_that_begins_elsewhere_is_refused(grown: Circle) -> None:
    other = grown.alice.create_circle()
    _serve_log(grown, other.log)
    _refused("genesis_mismatch", grown.hers.pull)


def test_a_membership_log_rolled_back_is_refused(grown: Circle) -> None:
    entries = tampering.log_entries(grown.engine, grown.id)
    _serve_log(grown, entries[:3])  # the rotation after Cleo joined is gone
    error = _refused("rolled_back", grown.hers.pull)
    assert "rolled the circle's membership back" in str(error)


# Invites: a request to join that the server made up ----------------------------------------------


def test_a_request_to_join_made_up_by_the_server_is_never_offered(
    circle: Circle, new_device: Callable[[], Device]
) -> None:
    secret = client_invites.create_invite(circle.mine, max_uses=2)
    _invite, genuine = client_invites.request_to_join(new_device(), secret)
    mallory = new_device()
    invite_id = b64u(invites.derive(secret).invite_id)
    made_up = {
        "v": 1,
        "invite_id": invite_id,
        "identity": mallory.keys.identity(),
        "proof": b64u(primitives.random_bytes(64)),
    }
    tampering.add_join_request(circle.engine, circle.id, invite_id, mallory.device_id, made_up)
    offered = client_invites.pending_requests(circle.mine, secret)
    assert [p["request_id"] for p in offered] == [genuine]


# Key envelopes: swapped, relabelled, withheld -------------------------------------------------------


@pytest.fixture
def rotated(circle: Circle) -> Circle:
    """Alice started epoch 1 and wrote under it; Bea has not fetched the new key yet."""
    circle.mine.rotate()
    circle.write({"kind": "note", "text": "under the new key"})
    return circle


def test_a_key_of_the_servers_making_is_refused(rotated: Circle) -> None:
    made_up = circle_keys.seal_key_envelope(
        rotated.mine.circle_id, 1, rotated.bea.keys.public, circle_keys.new_epoch_key()
    )
    tampering.replace_key_envelope(rotated.engine, rotated.id, 1, rotated.bea.device_id, made_up)
    error = _refused("key_mismatch", rotated.hers.pull)
    assert "swapped" in str(error)
    assert 1 not in rotated.hers.keys


def test_another_epochs_key_relabelled_is_refused(rotated: Circle) -> None:
    old = tampering.key_envelope(rotated.engine, rotated.id, 0, rotated.bea.device_id)
    tampering.replace_key_envelope(rotated.engine, rotated.id, 1, rotated.bea.device_id, {**old, "epoch": 1})
    _refused("decrypt_failed", rotated.hers.pull)


def test_another_members_key_envelope_is_refused(rotated: Circle) -> None:
    alices = tampering.key_envelope(rotated.engine, rotated.id, 1, rotated.alice.device_id)
    tampering.replace_key_envelope(rotated.engine, rotated.id, 1, rotated.bea.device_id, alices)
    _refused("context_mismatch", rotated.hers.pull)


def test_a_withheld_key_is_named(rotated: Circle) -> None:
    tampering.delete_key_envelope(rotated.engine, rotated.id, 1, rotated.bea.device_id)
    _refused("unknown_epoch", rotated.hers.pull)
    rotated.hers.write({"kind": "note", "text": "cannot be sealed yet"})
    error = _refused("unknown_epoch", rotated.hers.push)
    assert "has not given this device the key of epoch 1" in str(error)
