"""A member who was removed or left writes nothing the others read (issue 15, attacks 1 and 2).

A removed device keeps the key of its last epoch; a server on its side can put its revisions in the
change log after the removal, with a clock set years ahead so they win every merge. A member who
leaves must never choose the key the others write under next. Real server, real database; the
server's help is an edit of its own database, as test_malicious_server.py does it.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from support_circle.client import Device
from support_circle.client.circle import CircleReplica
from support_circle.client.http import ApiError
from support_circle.protocol import ProtocolError, circle_keys, membership, primitives, records
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.records import RecordRef
from tests.adversarial import tampering
from tests.support.circles import join_by_invite

YEARS_AHEAD_MS = 5 * 365 * 86_400_000


@dataclass
class Circle:
    """Alice's shared circle with Bea and Cat, members by invite; ``engine`` is the server's database."""

    alice: CircleReplica
    bea: CircleReplica
    cat: CircleReplica
    engine: Engine

    @property
    def id(self) -> str:
        return b64u(self.alice.circle_id)


@pytest.fixture
def circle(app: FastAPI, new_device: Callable[[], Device]) -> Circle:
    alice = new_device().create_circle(shared=True)
    bea = join_by_invite(alice, new_device(), shared=True)
    cat = join_by_invite(alice, new_device(), shared=True)
    bea.refresh()
    return Circle(alice, bea, cat, app.state.engine)


def _future_hlc(replica: CircleReplica) -> str:
    return f"{int(time.time() * 1000) + YEARS_AHEAD_MS:013d}-0000-{b64u(replica.device.keys.device_id)}"


def _sealed_by(replica: CircleReplica, record_id: bytes, epoch: int, hlc: str, body: dict[str, Any]) -> dict[str, Any]:
    """A revision as ``replica``'s device seals it with the key it holds, outside any sync."""
    ref = RecordRef(replica.circle_id, record_id, epoch)
    change_id = primitives.random_bytes(16)
    return records.seal_record(replica.device.keys, ref, replica.keys[epoch], change_id=change_id, hlc=hlc, body=body)


def test_a_removed_members_later_revision_placed_by_the_server_is_set_aside(circle: Circle) -> None:
    note = circle.alice.write({"kind": "note", "title": "Friday", "text": "the plan for Friday"})
    circle.alice.push()
    circle.bea.pull()
    last_epoch = circle.bea.verified.epoch

    circle.alice.remove_member(circle.bea.device.keys.device_id)
    forged = _sealed_by(
        circle.bea, note, last_epoch, _future_hlc(circle.bea), {"kind": "note", "title": "x", "text": "lies"}
    )
    seq = tampering.append_change(circle.engine, circle.id, forged, b64u(circle.bea.device.keys.device_id))

    circle.alice.pull()  # keeps syncing: nothing raised
    assert circle.alice.body(note) == {"kind": "note", "title": "Friday", "text": "the plan for Friday"}
    assert [(s.seq, s.reason) for s in circle.alice.set_aside] == [(seq, "epoch_ended")]
    assert circle.alice.clock.ms < int(time.time() * 1000) + 60_000, "the far-future clock was not observed"
    # The record stays editable: the next edit builds on the change set aside and is taken.
    circle.alice.write({"kind": "note", "title": "Friday", "text": "still the plan"}, note)
    circle.alice.push()
    circle.cat.pull()
    assert circle.cat.body(note) == {"kind": "note", "title": "Friday", "text": "still the plan"}
    assert [s.reason for s in circle.cat.set_aside] == ["epoch_ended"]


def test_a_members_revision_from_years_ahead_is_set_aside_and_never_moves_the_clock(circle: Circle) -> None:
    note = circle.alice.write({"kind": "note", "title": "Friday", "text": "the plan for Friday"})
    circle.alice.push()
    circle.bea.pull()
    epoch = circle.bea.verified.epoch
    ahead = _sealed_by(circle.bea, note, epoch, _future_hlc(circle.bea), {"kind": "note", "title": "x", "text": "mine"})
    base = circle.bea.records[note].seq
    body = {"changes": [{"change_id": b64u(primitives.random_bytes(16)), "base_seq": base, "envelope": ahead}]}
    circle.bea.device.call("POST", f"{circle.bea.path}/changes", body)  # an honest server takes it

    circle.alice.pull()
    assert circle.alice.body(note) == {"kind": "note", "title": "Friday", "text": "the plan for Friday"}
    assert [s.reason for s in circle.alice.set_aside] == ["clock_ahead"]
    assert circle.alice.clock.ms < int(time.time() * 1000) + 60_000
    circle.alice.write({"kind": "note", "title": "Friday", "text": "moved to Saturday"}, note)
    circle.alice.push()
    circle.cat.pull()
    assert circle.cat.body(note) == {"kind": "note", "title": "Friday", "text": "moved to Saturday"}


def test_after_a_leave_a_plain_member_rotates_before_writing_and_the_leaver_reads_nothing(circle: Circle) -> None:
    circle.cat.pull()
    kept = dict(circle.bea.keys)
    circle.bea.leave()
    assert circle.cat.verified.members[circle.cat.device.keys.device_id].role == "member"

    note = circle.cat.write({"kind": "note", "title": "after", "text": "written once Bea had gone"})
    circle.cat.push()

    rotated = circle.cat.verified
    assert rotated.epoch not in kept and not rotated.must_rotate
    last = tampering.changes(circle.engine, circle.id)[-1]
    assert unb64u(last.envelope["record_id"]) == note and last.envelope["epoch"] == rotated.epoch
    with pytest.raises(ProtocolError) as refused:
        records.open_record(last.envelope, kept, rotated.authors_of(rotated.epoch))
    assert refused.value.code == "unknown_epoch"
    circle.alice.pull()
    assert circle.alice.body(note) == {"kind": "note", "title": "after", "text": "written once Bea had gone"}


def test_the_server_keeps_no_window_after_an_entry_that_ends_an_epoch(circle: Circle) -> None:
    """An honest server appends a v2 entry only at the change log head it names, and takes nothing
    under a closed epoch: what it places after such an entry is under a later epoch (§8)."""
    circle.alice.write({"kind": "note", "title": "Friday", "text": "the plan"})
    circle.alice.push()
    stale = membership.rotate(circle.alice.device.keys, circle.alice.verified, circle_keys.new_epoch_key(), 0)
    with pytest.raises(ApiError) as moved:
        circle.alice.device.call("POST", f"{circle.alice.path}/log", {"entry": stale, "key_envelopes": []})
    assert (moved.value.status, moved.value.code) == (409, "changes_moved")

    circle.cat.pull()
    epoch = circle.cat.verified.epoch
    circle.bea.leave()
    late = _sealed_by(circle.cat, primitives.random_bytes(16), epoch, circle.cat.clock.tick(), {"kind": "note"})
    body = {"changes": [{"change_id": b64u(primitives.random_bytes(16)), "base_seq": None, "envelope": late}]}
    with pytest.raises(ApiError) as closed:
        circle.cat.device.call("POST", f"{circle.cat.path}/changes", body)
    assert (closed.value.status, closed.value.code) == (409, "stale_epoch")
