from typing import Any

from fastapi.testclient import TestClient

from support_circle.protocol import circle_keys, membership, primitives
from support_circle.protocol.encoding import b64u
from tests.api.helpers import SharedCircle, signed_in


def test_create_a_circle_and_read_it_back(client: TestClient) -> None:
    admin = signed_in(client)
    circle = SharedCircle(admin)
    created = circle.create()
    assert created.status_code == 201
    assert created.json()["circle_id"] == circle.cid
    assert [c["circle_id"] for c in admin.get("/v1/circles").json()["data"]] == [circle.cid]
    assert admin.get(f"/v1/circles/{circle.cid}/log").json()["data"] == circle.log
    keys = admin.get(f"/v1/circles/{circle.cid}/keys").json()["data"]
    assert [k["epoch"] for k in keys] == [0]


def test_a_circle_cannot_be_created_twice_or_for_someone_else(client: TestClient) -> None:
    admin, other = signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    again = SharedCircle(admin, circle_id=circle.circle_id).create()
    assert (again.status_code, again.json()["code"]) == (409, "circle_exists")
    # A genesis naming another device as creator is refused.
    cid, key = primitives.random_bytes(16), circle_keys.new_epoch_key()
    genesis = membership.genesis(other.keys, cid, key)
    envelope = circle_keys.seal_key_envelope(cid, 0, other.keys.public, key)
    response = admin.post("/v1/circles", {"circle_id": b64u(cid), "genesis": genesis, "key_envelope": envelope})
    assert (response.status_code, response.json()["code"]) == (403, "not_creator")


def test_a_forged_genesis_is_refused(client: TestClient) -> None:
    admin = signed_in(client)
    cid, key = primitives.random_bytes(16), circle_keys.new_epoch_key()
    genesis = membership.genesis(admin.keys, cid, key)
    genesis["sig"] = b64u(bytes(64))
    envelope = circle_keys.seal_key_envelope(cid, 0, admin.keys.public, key)
    response = admin.post("/v1/circles", {"circle_id": b64u(cid), "genesis": genesis, "key_envelope": envelope})
    assert response.status_code == 422
    assert response.json()["code"] in {"bad_signature", "genesis_mismatch"}


def test_non_members_learn_nothing_about_a_circle(client: TestClient) -> None:
    admin, stranger = signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    for path in ("", "/log", "/keys", "/changes"):
        response = stranger.get(f"/v1/circles/{circle.cid}{path}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
    missing = b64u(primitives.random_bytes(16))
    assert stranger.get(f"/v1/circles/{missing}").json() == stranger.get(f"/v1/circles/{circle.cid}").json()
    assert stranger.get("/v1/circles").json()["data"] == []


def test_members_are_added_by_signed_entries_and_receive_their_key(client: TestClient) -> None:
    admin, ally = signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    response = circle.add(ally)
    assert response.status_code == 200
    assert response.json()["log_seq"] == 1
    assert [c["circle_id"] for c in ally.get("/v1/circles").json()["data"]] == [circle.cid]
    envelopes = ally.get(f"/v1/circles/{circle.cid}/keys").json()["data"]
    _, _, key = circle_keys.open_key_envelope(
        envelopes[0], ally.keys.device_id, ally.keys.kem_private, circle.state.commitments
    )
    assert key == circle.keys[0]


def test_the_server_refuses_entries_that_break_the_log(client: TestClient) -> None:
    admin, ally, mallory = signed_in(client), signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    circle.add(ally)
    # A plain member cannot add anyone.
    by_member = membership.add(ally.keys, circle.state, mallory.keys.identity())
    response = ally.post(f"/v1/circles/{circle.cid}/log", {"entry": by_member})
    assert (response.status_code, response.json()["code"]) == (422, "not_admin")
    # An entry that skips a sequence number is refused.
    stale = membership.add(
        admin.keys,
        membership.verify_log(circle.circle_id, membership.genesis_hash(circle.log), circle.log[:1]),
        mallory.keys.identity(),
    )
    response = admin.post(f"/v1/circles/{circle.cid}/log", {"entry": stale})
    assert (response.status_code, response.json()["code"]) == (422, "broken_chain")


def test_a_member_must_be_registered_before_being_added(client: TestClient) -> None:
    from tests.api.helpers import Member

    admin = signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    response = circle.add(Member(client))
    assert (response.status_code, response.json()["code"]) == (422, "unknown_device")


def test_a_removed_member_still_signs_in_but_sees_nothing(client: TestClient) -> None:
    admin, ally = signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    circle.add(ally)
    assert circle.remove(ally).status_code == 200
    assert ally.get("/v1/circles").json()["data"] == []
    assert ally.get(f"/v1/circles/{circle.cid}/changes").status_code == 404
    assert admin.get(f"/v1/circles/{circle.cid}").json()["epoch"] == 1
    assert [k["epoch"] for k in admin.get(f"/v1/circles/{circle.cid}/keys").json()["data"]] == [0, 1]


def _envelopes(circle: SharedCircle, member: Any) -> dict[int, dict[str, Any]]:
    return {k["epoch"]: k for k in member.get(f"/v1/circles/{circle.cid}/keys").json()["data"]}


def test_a_leaver_cannot_replace_what_others_hold_for_older_epochs(client: TestClient) -> None:
    """A `leave` brings the new epoch's key, from its signer; an envelope it sends for another
    member's older epoch (the sole admin's epoch 0 here) is refused and the leave is not stored."""
    admin, ally, tui = signed_in(client), signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    circle.add(ally)
    circle.add(tui)
    held = _envelopes(circle, admin)
    key = circle_keys.new_epoch_key()
    entry = membership.leave(tui.keys, circle.state, key)
    new = [circle_keys.seal_key_envelope(circle.circle_id, 1, m.keys.public, key) for m in (admin, ally)]
    junk = circle_keys.seal_key_envelope(circle.circle_id, 0, admin.keys.public, circle_keys.new_epoch_key())
    response = tui.post(f"/v1/circles/{circle.cid}/log", {"entry": entry, "key_envelopes": [*new, junk]})
    assert (response.status_code, response.json()["code"]) == (403, "not_your_envelope")
    assert _envelopes(circle, admin) == held
    assert admin.get(f"/v1/circles/{circle.cid}").json()["log_seq"] == 2
    # The same leave with the new epoch's envelopes only is stored.
    response = tui.post(f"/v1/circles/{circle.cid}/log", {"entry": entry, "key_envelopes": new})
    assert response.status_code == 200
    assert _envelopes(circle, admin)[0] == held[0]


def test_a_new_epochs_keys_come_from_the_device_that_signed_it(client: TestClient) -> None:
    """An admin's signed `rotate`, relayed by a member with envelopes of the member's own making,
    is refused: only the entry's signer hands out the key of the epoch it starts."""
    admin, ally = signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    circle.add(ally)
    entry = membership.rotate(admin.keys, circle.state, circle_keys.new_epoch_key())
    mine = circle_keys.new_epoch_key()
    envelopes = [circle_keys.seal_key_envelope(circle.circle_id, 1, m.keys.public, mine) for m in (admin, ally)]
    response = ally.post(f"/v1/circles/{circle.cid}/log", {"entry": entry, "key_envelopes": envelopes})
    assert (response.status_code, response.json()["code"]) == (403, "not_your_envelope")
    assert 1 not in _envelopes(circle, admin)


def test_an_admin_adds_missing_keys_but_replaces_only_its_own(client: TestClient) -> None:
    """`POST /keys` fills in an envelope a member lacks, and lets a device replace its own; it
    never replaces another member's, not even for an admin."""
    admin, ally = signed_in(client), signed_in(client)
    circle = SharedCircle(admin)
    circle.create()
    circle.add(ally)
    path = f"/v1/circles/{circle.cid}/keys"
    other = circle_keys.seal_key_envelope(circle.circle_id, 0, ally.keys.public, circle_keys.new_epoch_key())
    response = admin.post(path, {"key_envelopes": [other]})
    assert (response.status_code, response.json()["code"]) == (403, "not_your_envelope")
    own = circle_keys.seal_key_envelope(circle.circle_id, 0, admin.keys.public, circle.keys[0])
    assert admin.post(path, {"key_envelopes": [own]}).status_code == 204
    assert _envelopes(circle, admin)[0] == own
    # A member removed and let in again gets the new epoch's key beside the old one it kept.
    circle.remove(ally)
    assert circle.add(ally).status_code == 200
    assert sorted(_envelopes(circle, ally)) == [0, 1]
