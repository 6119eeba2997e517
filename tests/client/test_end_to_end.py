"""The reference client end to end against the real app and database: devices sync both ways,
a third joins by invite after approval, and a removed member gets nothing new."""

import pytest

from support_circle.client import ApiError, Device
from support_circle.client import invites as client_invites
from support_circle.protocol import ProtocolError, records
from support_circle.protocol.encoding import b64u
from support_circle.protocol.invites import check_inviter_is_admin
from tests.conftest import NewDevice


def _join_by_invite(admin_circle_owner: Device, joiner: Device, circle_id: str) -> None:
    circle = admin_circle_owner.circles[circle_id]
    secret = client_invites.create_invite(circle)
    invite, request_id = client_invites.request_to_join(joiner, secret)
    pending = client_invites.pending_requests(circle, secret)
    assert [p["request_id"] for p in pending] == [request_id]
    circle.approve(request_id, pending[0]["request"])
    assert joiner.call("GET", f"/v1/requests/{request_id}")["status"] == "approved"
    replica = joiner.join_circle(invite.circle_id, invite.genesis_hash)
    check_inviter_is_admin(invite, replica.verified, invite.genesis_hash)


def test_two_devices_sync_records_both_ways(new_device: NewDevice) -> None:
    alice, bea = new_device(), new_device()
    mine = alice.create_circle()
    _join_by_invite(alice, bea, b64u(mine.circle_id))
    theirs = bea.circles[b64u(mine.circle_id)]

    note = mine.write({"kind": "note", "text": "Call Sam on Friday"})
    mine.push()
    assert theirs.pull() == 1
    assert theirs.body(note) == {"kind": "note", "text": "Call Sam on Friday"}

    theirs.write({"kind": "note", "text": "Call Sam on Friday, I will drive"}, note)
    checkin = theirs.write({"kind": "checkin", "text": "I need a break"})
    theirs.push()
    mine.pull()
    assert mine.body(note) == {"kind": "note", "text": "Call Sam on Friday, I will drive"}
    assert mine.body(checkin) == {"kind": "checkin", "text": "I need a break"}

    mine.write(None, checkin)  # a tombstone
    mine.push()
    theirs.pull()
    assert theirs.body(checkin) is None


def test_concurrent_edits_of_one_record_keep_everyones_words(new_device: NewDevice) -> None:
    alice, bea = new_device(), new_device()
    mine = alice.create_circle()
    _join_by_invite(alice, bea, b64u(mine.circle_id))
    theirs = bea.circles[b64u(mine.circle_id)]
    ally = mine.write({"name": "Sam", "phone": "021 555", "notes": "kind"})
    mine.push()
    theirs.pull()

    mine.write({"name": "Sam", "phone": "021 999", "notes": "kind"}, ally)
    theirs.write({"name": "Sam", "phone": "021 555", "notes": "kind, calm"}, ally)
    mine.write({"name": "Sam", "phone": "021 999", "notes": "kind, brave"}, ally)
    mine.push()
    theirs.push()  # stale: pulls, merges and pushes again
    mine.pull()
    merged = mine.body(ally)
    assert merged == theirs.body(ally)
    assert merged is not None
    assert merged["phone"] == "021 999"
    kept = {merged["notes"], *(c["value"] for c in merged.get("_conflicts", []))}
    assert kept == {"kind, calm", "kind, brave"}


def test_two_people_edit_one_note_offline_and_both_sentences_survive(new_device: NewDevice) -> None:
    alice, bea = new_device(), new_device()
    mine = alice.create_circle()
    _join_by_invite(alice, bea, b64u(mine.circle_id))
    theirs = bea.circles[b64u(mine.circle_id)]
    base = "Sam will call on Monday. We met at the park. Next time: the library."
    note = mine.write({"kind": "note", "title": "Plan", "text": base})
    mine.push()
    theirs.pull()

    # Offline, each adds a sentence in a different place, and both change the day differently.
    alice_text = "Sam will call on Tuesday. We met at the park. It was sunny. Next time: the library."
    bea_text = "Sam will call on Friday. We met at the park. Next time: the library. Bring the form."
    mine.write({"kind": "note", "title": "Plan", "text": alice_text}, note)
    theirs.write({"kind": "note", "title": "Plan", "text": bea_text}, note)
    theirs.push()
    mine.push()  # stale: Alice's client pulls Bea's revision, merges the words and pushes again
    theirs.pull()

    body = theirs.body(note)
    assert body == mine.body(note)
    assert body is not None
    assert body["text"] == (
        "Sam will call on Tuesday. We met at the park. It was sunny. Next time: the library. Bring the form."
    )
    # Only the day both changed keeps the other version, for that word alone.
    assert [(c["value"], c["at"]) for c in body["_conflicts"]] == [(" Friday.", " Tuesday.")]


def test_a_third_device_joins_only_after_approval(new_device: NewDevice) -> None:
    alice, cleo = new_device(), new_device()
    mine = alice.create_circle()
    mine.write({"kind": "note", "text": "shared before Cleo came"})
    mine.push()
    secret = client_invites.create_invite(mine)
    invite, request_id = client_invites.request_to_join(cleo, secret)
    with pytest.raises(ApiError) as waiting:
        cleo.join_circle(invite.circle_id, invite.genesis_hash)
    assert waiting.value.code == "not_found"
    assert cleo.call("GET", f"/v1/requests/{request_id}")["status"] == "pending"

    pending = client_invites.pending_requests(mine, secret)
    mine.approve(request_id, pending[0]["request"])
    replica = cleo.join_circle(invite.circle_id, invite.genesis_hash)
    assert replica.pull() == 1
    assert replica.records == {}, "admitting began a new epoch first: what came before is not Cleo's (§8)"
    mine.write({"kind": "note", "text": "shared once Cleo came"})
    mine.push()
    assert replica.pull() == 1
    assert [r.body for r in replica.records.values()] == [{"kind": "note", "text": "shared once Cleo came"}]


def test_a_declined_or_withdrawn_invite_grants_nothing(new_device: NewDevice) -> None:
    alice, dan = new_device(), new_device()
    mine = alice.create_circle()
    secret = client_invites.create_invite(mine, max_uses=2)
    _invite, request_id = client_invites.request_to_join(dan, secret)
    alice.call("POST", f"{mine.path}/requests/{request_id}/decline")
    assert dan.call("GET", f"/v1/requests/{request_id}")["status"] == "declined"
    assert dan.member_of() == []

    invite_id = alice.call("GET", f"{mine.path}/invites")["data"][0]["invite_id"]
    alice.call("DELETE", f"{mine.path}/invites/{invite_id}")
    with pytest.raises(ApiError) as gone:
        client_invites.request_to_join(dan, secret)
    assert gone.value.code == "invite_not_found"


def test_a_removed_member_signs_in_but_gets_nothing_new_and_cannot_read_it(new_device: NewDevice) -> None:
    alice, bea, cleo = new_device(), new_device(), new_device()
    mine = alice.create_circle()
    circle_id = b64u(mine.circle_id)
    _join_by_invite(alice, bea, circle_id)
    _join_by_invite(alice, cleo, circle_id)
    before = mine.write({"kind": "note", "text": "before the removal"})
    mine.push()
    removed = bea.circles[circle_id]
    removed.pull()

    mine.remove_member(bea.keys.device_id)
    after = mine.write({"kind": "note", "text": "after the removal"})
    mine.push()

    bea.sign_in()  # still a registered device
    assert circle_id not in bea.member_of()
    with pytest.raises(ApiError) as refused:
        removed.pull()
    assert refused.value.code == "not_found"
    assert removed.body(before) == {"kind": "note", "text": "before the removal"}

    staying = cleo.circles[circle_id]
    staying.pull()
    assert staying.body(after) == {"kind": "note", "text": "after the removal"}
    newest = alice.call("GET", f"{mine.path}/changes", params={"since": 0})["data"][-1]["envelope"]
    assert newest["epoch"] == 1
    assert set(removed.keys) == {0}
    with pytest.raises(ProtocolError) as unreadable:
        records.open_record(newest, removed.keys, removed.verified.authors_of(0))
    assert unreadable.value.code == "unknown_epoch"
    with pytest.raises(ProtocolError) as wrong_key:
        records.open_record({**newest, "epoch": 0}, removed.keys, removed.verified.authors_of(0))
    assert wrong_key.value.code == "decrypt_failed"


def test_a_member_admitted_in_a_new_epoch_leaves_out_what_came_before_without_error(new_device: NewDevice) -> None:
    alice, bea = new_device(), new_device()
    mine = alice.create_circle()
    before = mine.write({"kind": "note", "title": "Before", "text": "not for whoever joins later"})
    mine.push()
    mine.rotate()  # as the app does before every admission to a shared circle (PROTOCOL §16)
    _join_by_invite(alice, bea, b64u(mine.circle_id))
    after = mine.write({"kind": "note", "title": "After", "text": "for everyone here now"})
    mine.push()

    theirs = bea.circles[b64u(mine.circle_id)]
    assert theirs.pull() == 2  # both read; the one sealed before Bea was let in, left out
    assert set(theirs.keys) == {1}
    assert theirs.body(before) is None
    assert theirs.body(after) == {"kind": "note", "title": "After", "text": "for everyone here now"}
