"""The server rolls records back or holds them back (issue 15, attack 3; PROTOCOL.md §7 "Author chains").

Each revision names its author's previous one and what its author had received from the others,
so an honest member finds out when the server replays an old revision, brings a deleted note
back, drops a check-in from the middle, or withholds one member's newest words while passing on
another's. The person's own circle refuses each; a shared circle, where a member could cause the
same break, tells the person and keeps syncing (§16).
"""

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from support_circle.client.circle import CircleReplica
from support_circle.protocol import ProtocolError
from support_circle.protocol.encoding import b64u
from tests.adversarial import tampering
from tests.conftest import NewDevice
from tests.support.circles import join_by_invite


@dataclass
class Circle:
    """Alice's circle with Bea and Cy, each a member by invite; ``engine`` is the server's database."""

    alice: CircleReplica
    bea: CircleReplica
    cy: CircleReplica
    engine: Engine

    @property
    def id(self) -> str:
        return b64u(self.alice.circle_id)

    def write(self, replica: CircleReplica, body: dict[str, Any] | None, record_id: bytes | None = None) -> bytes:
        record_id = replica.write(body, record_id)
        replica.push()
        return record_id

    def last_seq(self) -> int:
        return tampering.changes(self.engine, self.id)[-1].seq


def _circle(app: FastAPI, new_device: NewDevice, shared: bool) -> Circle:
    alice = new_device().create_circle(shared=shared)
    bea, cy = join_by_invite(alice, new_device(), shared=shared), join_by_invite(alice, new_device(), shared=shared)
    return Circle(alice, bea, cy, app.state.engine)


@pytest.fixture(params=[False, True], ids=["own circle", "shared circle"])
def circle(request: pytest.FixtureRequest, app: FastAPI, new_device: NewDevice) -> Circle:
    return _circle(app, new_device, request.param)


def _detected(circle: Circle, reader: CircleReplica, code: str, member: CircleReplica) -> None:
    """The personal circle refuses, saying what the server did; a shared one names the member."""
    if not reader.shared:
        with pytest.raises(ProtocolError) as refused:
            reader.pull()
        assert refused.value.code == code, str(refused.value)
        assert "refused" in str(refused.value) and "server" in str(refused.value)
        return
    reader.pull()
    assert [(n.member, n.reason) for n in reader.noticed] == [(member.device.device_id, code)]


def _checkin(feeling: str) -> dict[str, Any]:
    return {"kind": "checkin", "feeling": feeling, "text": "", "need": ""}


def test_an_older_revision_served_as_current_is_detected(circle: Circle) -> None:
    note = circle.write(circle.alice, {"kind": "note", "title": "Friday", "text": "meet at the library"})
    circle.bea.pull()
    old = tampering.changes(circle.engine, circle.id)[-1].envelope
    circle.write(circle.alice, {"kind": "note", "title": "Friday", "text": "not the library: the park"}, note)
    tampering.drop_change(circle.engine, circle.id, circle.last_seq())
    tampering.append_change(circle.engine, circle.id, old, circle.alice.device.device_id)
    _detected(circle, circle.bea, "rolled_back", circle.alice)
    assert circle.bea.body(note) == {"kind": "note", "title": "Friday", "text": "meet at the library"}
    if circle.bea.shared:
        assert circle.bea.cursor == circle.last_seq(), "the circle keeps syncing past it"


def test_a_deleted_note_brought_back_is_detected(circle: Circle) -> None:
    note = circle.write(circle.alice, {"kind": "note", "title": "Address", "text": "the new flat is on Elm St"})
    circle.bea.pull()
    circle.write(circle.alice, None, note)
    tombstone = circle.last_seq()
    circle.write(circle.alice, _checkin("okay"))
    tampering.drop_change(circle.engine, circle.id, tombstone)
    _detected(circle, circle.bea, "withheld", circle.alice)


def test_a_need_a_break_checkin_dropped_from_the_middle_is_detected(circle: Circle) -> None:
    checkin = circle.write(circle.alice, _checkin("okay"))
    circle.write(circle.alice, _checkin("need-break"), checkin)
    needs_a_break = circle.last_seq()
    circle.write(circle.alice, {"kind": "note", "title": "Later", "text": "see you Sunday"})
    tampering.drop_change(circle.engine, circle.id, needs_a_break)
    _detected(circle, circle.bea, "withheld", circle.alice)
    if circle.bea.shared:
        assert circle.bea.body(checkin) == _checkin("okay"), "what was dropped is not made up"


def test_an_authors_tail_withheld_while_another_members_later_words_pass_is_detected(circle: Circle) -> None:
    circle.write(circle.alice, _checkin("okay"))
    circle.bea.pull()
    circle.write(circle.alice, _checkin("need-break"))
    circle.cy.pull()
    circle.write(circle.cy, {"kind": "note", "title": "Cy", "text": "I will call Alice tonight"})
    # The server hides Alice's check-in from Bea alone: Cy had already pulled it.
    tampering.drop_change(circle.engine, circle.id, circle.last_seq() - 1)
    _detected(circle, circle.bea, "withheld", circle.alice)


def test_an_honest_server_shows_no_problem(circle: Circle) -> None:
    checkin = circle.write(circle.alice, _checkin("okay"))
    circle.bea.pull()
    circle.write(circle.alice, _checkin("struggling"), checkin)
    circle.write(circle.bea, {"kind": "note", "title": "Bea", "text": "on my way"})
    circle.cy.pull()
    circle.write(circle.cy, {"kind": "note", "title": "Cy", "text": "me too"})
    for replica in (circle.alice, circle.bea, circle.cy):
        replica.pull()
        assert replica.noticed == [] and replica.set_aside == []
    assert circle.bea.body(checkin) == _checkin("struggling")


def test_edits_refused_as_stale_are_sealed_again_without_a_gap_in_the_chain(circle: Circle) -> None:
    """A refused push stored nothing: its revisions are sealed again from the chain's head (§7)."""
    note = circle.write(circle.alice, {"kind": "note", "title": "Plan", "text": "first"})
    circle.bea.pull()
    circle.write(circle.alice, {"kind": "note", "title": "Plan", "text": "Alice's words"}, note)
    circle.bea.write({"kind": "note", "title": "Plan", "text": "Bea's words"}, note)
    circle.bea.write(_checkin("okay"))
    circle.bea.push()  # refused as stale once, merged, sealed again
    circle.write(circle.bea, _checkin("struggling"))
    for replica in (circle.alice, circle.cy):
        replica.pull()
        assert replica.noticed == [] and replica.set_aside == []
    assert circle.cy.chain.heads[circle.bea.device.keys.device_id].n == 2
