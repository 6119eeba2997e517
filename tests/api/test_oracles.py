"""Existence oracles: what a caller may not see answers exactly as what does not exist.

Every route that takes an id is asked twice by the same caller — once about something that
exists but is not the caller's (a circle it is not or no longer in, another circle's invite or
request, a withdrawn invite, another device's escrow) and once about a fresh random id — and the
two answers must be the same status, code, message and headers. The callers are a registered
device in no circle of the owner's, a removed member, and a client without a sign-in.

Creating something under an id the client chose cannot answer the same when the id is taken by
someone else (it must be refused, never overwritten); what remains is listed in
docs/threat-model.md. A retry of the same creation by the same device succeeds as the first did.
"""

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from support_circle.app import create_app
from support_circle.models import RegistrationCode
from support_circle.protocol import circle_keys, invites, membership, primitives, records, unlinked
from support_circle.protocol.encoding import b64u, format_time, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.records import RecordRef
from support_circle.services.devices import code_hash
from support_circle.settings import Settings
from tests.api.helpers import Member, SharedCircle, signed_in
from tests.api.test_invites import make_invite
from tests.api.test_recovery import escrow_path, sealed


@dataclass
class Owner:
    """An admin's circle with an ally, a removed member, a withdrawn invite, a pending request
    to join and a recovery escrow: everything a prober might name."""

    circle: SharedCircle
    ally: Member
    removed: Member
    withdrawn_secret: bytes
    request_id: str
    escrow: str


@pytest.fixture
def owner(client: TestClient) -> Owner:
    circle = SharedCircle(signed_in(client))
    assert circle.create().status_code == 201
    ally, removed, joiner = signed_in(client), signed_in(client), signed_in(client)
    assert circle.add(ally).status_code == 200
    assert circle.add(removed).status_code == 200
    assert circle.remove(removed).status_code == 200
    withdrawn, _ = make_invite(circle)
    assert circle.admin.delete(f"/v1/circles/{circle.cid}/invites/{withdrawn.invite_id}").status_code == 204
    usable, _ = make_invite(circle)
    request_id = usable.ask(joiner).json()["request_id"]
    recovery_key = primitives.random_bytes(32)
    assert (
        circle.admin.put(escrow_path(recovery_key), {"escrow": sealed(circle.admin, recovery_key)}).status_code == 204
    )
    return Owner(circle, ally, removed, withdrawn.secret, request_id, escrow_path(recovery_key))


@dataclass(frozen=True)
class Ids:
    """The ids one probe names: the owner's, or fresh ones that name nothing."""

    circle: bytes
    invite_secret: bytes
    request: str
    escrow: str

    @property
    def cid(self) -> str:
        return b64u(self.circle)

    @property
    def invite(self) -> str:
        return b64u(invites.derive(self.invite_secret).invite_id)


def _fresh() -> Ids:
    return Ids(primitives.random_bytes(16), invites.new_secret(), _new_id(), f"/v1/recovery/{_new_id()}")


def _new_id() -> str:
    return b64u(primitives.random_bytes(16))


# One probe: (method, path, body) for a caller and the ids it names. ``own`` is the caller's own
# circle, where it is an admin: a place to name another circle's invite or request from.
Probe = Callable[[Member, Ids, SharedCircle], tuple[str, str, Any]]


def _change(caller: Member, ids: Ids) -> dict[str, Any]:
    ref = RecordRef(ids.circle, primitives.random_bytes(16), 0)
    hlc = f"1795651200000-0000-{caller.device_id}"
    envelope = records.seal_record(
        caller.keys, ref, circle_keys.new_epoch_key(), change_id=primitives.random_bytes(16), hlc=hlc, body={"n": 1}
    )
    return {"changes": [{"change_id": _new_id(), "base_seq": None, "envelope": envelope}]}


def _envelope(caller: Member, ids: Ids) -> dict[str, Any]:
    return circle_keys.seal_key_envelope(ids.circle, 0, caller.keys.public, circle_keys.new_epoch_key())


def _entry(caller: Member, own: SharedCircle) -> dict[str, Any]:
    """A well-formed signed entry of the caller's making (the prober has no other)."""
    return membership.rotate(caller.keys, own.state, circle_keys.new_epoch_key())


def _invite(caller: Member, ids: Ids, own: SharedCircle) -> dict[str, Any]:
    expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    record = invites.seal_invite(caller.keys, invites.new_secret(), ids.circle, bytes(32), expires_at)
    auth_pub = b64u(invites.derive(invites.new_secret()).auth_pub)
    return {"record": record, "auth_pub": auth_pub, "expires_at": format_time(expires_at), "max_uses": 1}


def _approval(caller: Member, own: SharedCircle) -> dict[str, Any]:
    return {"entry": _entry(caller, own), "key_envelopes": [_envelope(caller, Ids(own.circle_id, b"", "", ""))]}


PROBES: dict[str, Probe] = {
    "read a circle": lambda c, i, o: ("GET", f"/v1/circles/{i.cid}", None),
    "read its log": lambda c, i, o: ("GET", f"/v1/circles/{i.cid}/log", None),
    "append to its log": lambda c, i, o: ("POST", f"/v1/circles/{i.cid}/log", {"entry": _entry(c, o)}),
    "read its keys": lambda c, i, o: ("GET", f"/v1/circles/{i.cid}/keys", None),
    "add keys": lambda c, i, o: ("POST", f"/v1/circles/{i.cid}/keys", {"key_envelopes": [_envelope(c, i)]}),
    "pull changes": lambda c, i, o: ("GET", f"/v1/circles/{i.cid}/changes", None),
    "push changes": lambda c, i, o: ("POST", f"/v1/circles/{i.cid}/changes", _change(c, i)),
    "make an invite": lambda c, i, o: ("POST", f"/v1/circles/{i.cid}/invites", _invite(c, i, o)),
    "list invites": lambda c, i, o: ("GET", f"/v1/circles/{i.cid}/invites", None),
    "withdraw an invite": lambda c, i, o: ("DELETE", f"/v1/circles/{i.cid}/invites/{i.invite}", None),
    "list requests": lambda c, i, o: ("GET", f"/v1/circles/{i.cid}/requests", None),
    "approve": lambda c, i, o: ("POST", f"/v1/circles/{i.cid}/requests/{i.request}/approve", _approval(c, o)),
    "decline": lambda c, i, o: ("POST", f"/v1/circles/{i.cid}/requests/{i.request}/decline", None),
    "withdraw another circle's invite": lambda c, i, o: ("DELETE", f"/v1/circles/{o.cid}/invites/{i.invite}", None),
    "approve another circle's request": lambda c, i, o: (
        "POST",
        f"/v1/circles/{o.cid}/requests/{i.request}/approve",
        _approval(c, o),
    ),
    "decline another circle's request": lambda c, i, o: (
        "POST",
        f"/v1/circles/{o.cid}/requests/{i.request}/decline",
        None,
    ),
    "read a withdrawn invite": lambda c, i, o: ("GET", f"/v1/invites/{i.invite}", None),
    "ask to join by a withdrawn invite": lambda c, i, o: (
        "POST",
        f"/v1/invites/{i.invite}/requests",
        {"request": invites.make_join_request(i.invite_secret, c.keys)},
    ),
    "read another device's request": lambda c, i, o: ("GET", f"/v1/requests/{i.request}", None),
    "delete another device's escrow": lambda c, i, o: ("DELETE", i.escrow, None),
    "leave an unlinked notice": lambda c, i, o: (
        "PUT",
        f"/v1/circles/{i.cid}/unlinked/{c.device_id}",
        {"notice": unlinked.make(c.keys, i.circle, c.keys.device_id, membership.Head(1, primitives.random_bytes(32)))},
    ),
}


def _answer(client: TestClient, caller: Member, signed: bool, probe: Probe, ids: Ids, own: SharedCircle) -> Any:
    method, path, body = probe(caller, ids, own)
    headers = caller.headers if signed else {}
    response = client.request(method, path, json=body, headers=headers)
    kept = {k: v for k, v in response.headers.items() if k.lower() != "date"}
    return response.status_code, response.json(), kept


def _differences(client: TestClient, owner: Owner, caller: Member, *, signed: bool = True) -> dict[str, Any]:
    own = SharedCircle(caller)
    assert own.create().status_code == 201
    theirs = Ids(owner.circle.circle_id, owner.withdrawn_secret, owner.request_id, owner.escrow)
    found = {}
    for name, probe in PROBES.items():
        existing = _answer(client, caller, signed, probe, theirs, own)
        absent = _answer(client, caller, signed, probe, _fresh(), own)
        assert existing[0] in {401, 404}, (name, existing)
        if existing != absent:
            found[name] = (existing, absent)
    return found


def test_a_stranger_cannot_tell_what_exists_from_what_does_not(client: TestClient, owner: Owner) -> None:
    assert _differences(client, owner, signed_in(client)) == {}


def test_a_removed_member_cannot_tell_its_old_circle_from_one_that_does_not_exist(
    client: TestClient, owner: Owner
) -> None:
    assert _differences(client, owner, owner.removed) == {}


def test_a_client_without_a_sign_in_cannot_tell_what_exists_from_what_does_not(
    client: TestClient, owner: Owner
) -> None:
    assert _differences(client, owner, signed_in(client), signed=False) == {}


# Creation under an id the client chose ---------------------------------------------------------


def _genesis_body(
    creator: Member, circle_id: bytes, *, forged: bool = False, short_key: bool = False
) -> dict[str, Any]:
    key = circle_keys.new_epoch_key()
    genesis = membership.genesis(creator.keys, circle_id, key)
    if forged:
        genesis["sig"] = b64u(bytes(64))
    envelope = circle_keys.seal_key_envelope(circle_id, 0, creator.keys.public, key)
    if short_key:
        envelope["sealed"] = b64u(bytes(48))
    return {"circle_id": b64u(circle_id), "genesis": genesis, "key_envelope": envelope}


def _code(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def test_a_creation_that_would_fail_anyway_fails_the_same_whether_the_circle_id_is_taken(
    client: TestClient, owner: Owner
) -> None:
    """Everything but the id is checked first: only a creation that would succeed meets the taken id."""
    prober = signed_in(client)
    for make in (
        lambda cid: _genesis_body(prober, cid, forged=True),
        lambda cid: _genesis_body(owner.circle.admin, cid),  # a genesis naming someone else
        lambda cid: _genesis_body(prober, cid, short_key=True),
    ):
        taken = prober.post("/v1/circles", make(owner.circle.circle_id))
        free = prober.post("/v1/circles", make(primitives.random_bytes(16)))
        assert (taken.status_code, taken.json()) == (free.status_code, free.json())
        assert taken.status_code in {403, 422}


def test_a_retried_circle_creation_answers_as_the_first_did(client: TestClient) -> None:
    """The answer to a creation can be lost on the way back: sending it again is no error."""
    creator = signed_in(client)
    body = _genesis_body(creator, primitives.random_bytes(16))
    first, again = creator.post("/v1/circles", body), creator.post("/v1/circles", body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert len(creator.get(f"/v1/circles/{body['circle_id']}/log").json()["data"]) == 1


def test_a_circle_id_taken_by_someone_else_is_refused_and_nothing_is_overwritten(
    client: TestClient, owner: Owner
) -> None:
    """What remains (docs/threat-model.md): someone who knows a circle's id learns that it exists."""
    circle = owner.circle
    log = circle.admin.get(f"/v1/circles/{circle.cid}/log").json()
    for prober in (signed_in(client), owner.removed, owner.ally):
        assert _code(prober.post("/v1/circles", _genesis_body(prober, circle.circle_id))) == (409, "circle_exists")
    # Not even the creator, with a new genesis for the same id.
    assert _code(circle.admin.post("/v1/circles", _genesis_body(circle.admin, circle.circle_id))) == (
        409,
        "circle_exists",
    )
    assert circle.admin.get(f"/v1/circles/{circle.cid}/log").json() == log


def test_a_creator_no_longer_in_its_circle_cannot_retry_its_way_back(client: TestClient) -> None:
    """A retry succeeds only for a device still in the circle: a removed creator learns nothing new."""
    creator, successor = signed_in(client), signed_in(client)
    circle = SharedCircle(creator)
    assert circle.create().status_code == 201
    body = {
        "circle_id": circle.cid,
        "genesis": circle.log[0],
        "key_envelope": creator.get(f"/v1/circles/{circle.cid}/keys").json()["data"][0],
    }
    assert creator.post("/v1/circles", body).status_code == 201  # still in it: the retry succeeds
    assert circle.add(successor, role="admin").status_code == 200
    circle.admin = successor
    assert circle.remove(creator).status_code == 200
    retried = creator.post("/v1/circles", body)
    assert _code(retried) == (409, "circle_exists")
    assert "log_seq" not in retried.json()


@pytest.mark.timeout(60)
def test_the_same_circle_created_many_times_at_once_is_made_once_and_never_a_500(client: TestClient) -> None:
    creator = signed_in(client)
    body = _genesis_body(creator, primitives.random_bytes(16))
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: creator.post("/v1/circles", body), range(16)))
    assert {a.status_code for a in answers} == {201}
    assert len(creator.get(f"/v1/circles/{body['circle_id']}/log").json()["data"]) == 1


def _invite_body(circle: SharedCircle, secret: bytes) -> dict[str, Any]:
    expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    record = invites.seal_invite(circle.admin.keys, secret, circle.circle_id, bytes(32), expires_at)
    auth_pub = b64u(invites.derive(secret).auth_pub)
    return {"record": record, "auth_pub": auth_pub, "expires_at": format_time(expires_at), "max_uses": 1}


def test_a_retried_invite_answers_as_the_first_did_and_is_made_once(client: TestClient, owner: Owner) -> None:
    circle = owner.circle
    path = f"/v1/circles/{circle.cid}/invites"
    body = _invite_body(circle, invites.new_secret())
    first, again = circle.admin.post(path, body), circle.admin.post(path, body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    made = [i["invite_id"] for i in circle.admin.get(path).json()["data"]]
    assert made.count(first.json()["invite_id"]) == 1


def test_an_invite_id_taken_by_another_circle_is_refused_and_nothing_is_overwritten(
    client: TestClient, owner: Owner
) -> None:
    """What remains (docs/threat-model.md): a link holder who makes a circle of its own learns
    that a withdrawn, expired or used-up invite of that link is still kept."""
    prober = SharedCircle(signed_in(client))
    assert prober.create().status_code == 201
    taken = prober.admin.post(f"/v1/circles/{prober.cid}/invites", _invite_body(prober, owner.withdrawn_secret))
    assert _code(taken) == (409, "invite_exists")
    listed = owner.circle.admin.get(f"/v1/circles/{owner.circle.cid}/invites").json()["data"]
    assert b64u(invites.derive(owner.withdrawn_secret).invite_id) in [i["invite_id"] for i in listed]
    # The same invite body sent by its own admin a second time, but changed, is refused too.
    circle = owner.circle
    changed = {**_invite_body(circle, owner.withdrawn_secret), "max_uses": 2}
    assert _code(circle.admin.post(f"/v1/circles/{circle.cid}/invites", changed)) == (409, "invite_exists")


# Device ids: derived from the signing key, so only its holder can name one with a new identity --


def _tampered(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity with another encryption key put in, by someone without the signing key."""
    payload = json.loads(unb64u(identity["payload"]))
    payload["kem_pub"] = b64u(primitives.x25519_public(primitives.random_bytes(32)))
    return {**identity, "payload": b64u(json.dumps(payload, separators=(",", ":")).encode())}


def test_another_identity_under_a_registered_device_id_needs_its_key(client: TestClient) -> None:
    """A device id is the hash of its signing key, and a registration is signed by that key: without
    it, an identity under a registered id is refused exactly as one under a free id."""
    registered, free = signed_in(client), Member(client)
    taken = client.post("/v1/devices", json={"identity": _tampered(registered.keys.identity())})
    absent = client.post("/v1/devices", json={"identity": _tampered(free.keys.identity())})
    assert (taken.status_code, taken.json()) == (absent.status_code, absent.json())
    assert _code(taken) == (422, "bad_signature")
    # Only the key's holder can make a second identity for its id, and learns only what it knows.
    again = DeviceKeys(registered.keys.sign_seed, primitives.random_bytes(32)).identity()
    assert _code(client.post("/v1/devices", json={"identity": again})) == (409, "device_exists")


def test_what_a_device_id_still_tells_whoever_knows_it(settings: Settings) -> None:
    """What remains (docs/threat-model.md): someone who knows a device id — its co-members read it,
    and its identity, in the membership log — learns whether that device is registered here: the
    app registers when its challenge is refused, and a registered identity sent again is no error."""
    with TestClient(create_app(settings.model_copy(update={"registration": "code"}))) as coded:
        registered = Member(coded)
        with coded.app.state.engine.begin() as connection:  # type: ignore[attr-defined]
            connection.execute(
                RegistrationCode.__table__.insert(),  # type: ignore[attr-defined]
                [{"id": "c" * 22, "code_hash": code_hash("ONE-CODE"), "max_uses": 1, "uses": 0}],
            )
        assert registered.register("ONE-CODE").status_code == 201
        unregistered = Member(coded)
        replayed = coded.post("/v1/devices", json={"identity": registered.keys.identity()})
        assert replayed.status_code == 201
        assert _code(coded.post("/v1/devices", json={"identity": unregistered.keys.identity()})) == (
            403,
            "registration_code_required",
        )
        challenge = "/v1/auth/challenge"
        assert coded.post(challenge, json={"device_id": registered.device_id}).status_code == 200
        assert _code(coded.post(challenge, json={"device_id": unregistered.device_id})) == (404, "not_found")
