"""The signed membership log (PROTOCOL.md §8): who is in a circle, and which key each epoch uses.

Every entry is signed by an admin (or, for ``leave``, by the member leaving, and for ``companion``
and the removal of one, by a device of the same person) and chained to the hash of the entry before
it, so a server cannot add a reader, drop, insert or reorder entries, or swap an epoch key without
every client's ``verify_log`` failing.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from support_circle.protocol import primitives, signed
from support_circle.protocol.circle_keys import key_commitment
from support_circle.protocol.encoding import (
    VERSION,
    b64u,
    ctx,
    expect_int,
    expect_object,
    parse_json,
    unb64u,
    unb64u_id,
)
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.identity import DeviceKeys, PublicIdentity, verify_identity

ROLES = ("admin", "member")
_COMMON = ("v", "type", "circle_id", "seq", "prev", "signer", "op")
_OP_FIELDS: dict[str, tuple[str, ...]] = {
    "genesis": ("member", "epoch", "key_commitment"),
    "add": ("member",),
    "remove": ("device_id", "epoch", "key_commitment"),
    "leave": ("epoch", "key_commitment"),
    "role": ("device_id", "role"),
    "rotate": ("epoch", "key_commitment"),
}
# Version 2 (§8): the entries that end or close an epoch, and adds, say how far their signer had
# pulled the change log, and a leaver makes no key.
_V2_FIELDS: dict[str, tuple[str, ...]] = {
    "add": ("member", "changes"),
    "remove": ("device_id", "epoch", "key_commitment", "changes"),
    "leave": ("changes",),
    "rotate": ("epoch", "key_commitment", "changes"),
    # A member's device adds another device of its own person, in its role (§8, "A person's devices").
    "companion": ("member", "changes"),
}
VERSIONS = (1, 2)


@dataclass(frozen=True)
class Member:
    identity: PublicIdentity
    role: str


@dataclass(frozen=True)
class Head:
    seq: int
    hash: bytes


@dataclass(frozen=True)
class CircleState:
    """What a verified log says: the members now, the current epoch, and every epoch's commitment."""

    circle_id: bytes
    members: dict[bytes, Member]
    epoch: int
    commitments: dict[int, bytes]
    head: Head
    identities: dict[bytes, PublicIdentity] = field(default_factory=dict)
    epoch_members: dict[int, frozenset[bytes]] = field(default_factory=dict)
    # Epochs begun by a v1 ``leave``, with the device that left: their keys are a leaver's making (§16).
    left_by: dict[int, bytes] = field(default_factory=dict)
    # The current epoch was closed by a v2 ``leave``: nothing may be sealed under it any more.
    closed: bool = False
    # Each epoch a v2 entry ended or closed, with the least ``changes`` of those entries: a change
    # the server placed after it under that epoch is refused (§7, "Where the server placed a change").
    ends: dict[int, int] = field(default_factory=dict)
    # The change log position at which the current epoch began (0 for the genesis, a v2 remove's or
    # rotate's ``changes``), None when a v1 entry began it: a v2 ``add`` must be made there (§8).
    began_at: int | None = 0
    # The log holds a v2 entry: no later add, remove, rotate or leave may be v1 (§8).
    v2: bool = False
    # Devices that left by their own ``leave`` while admins, until added again. Only §16's re-seal
    # reads it: their invites die with their membership (§9), like any other departed device's.
    left_admins: frozenset[bytes] = frozenset()
    # The person of each member a ``companion`` entry let in, named by the device that began that
    # person (§8, "A person's devices"); every other member is a person of its own.
    persons: dict[bytes, bytes] = field(default_factory=dict)

    def person_of(self, device_id: bytes) -> bytes:
        """The person a member belongs to: the device that began it (the one an admin added)."""
        return self.persons.get(device_id, device_id)

    def devices_of(self, person: bytes) -> list[bytes]:
        """The members now that belong to ``person``, in the order the log let them in."""
        return [device_id for device_id in self.members if self.person_of(device_id) == person]

    def companions(self, device_id: bytes) -> list[bytes]:
        """The other members of ``device_id``'s person: the devices it may remove without being an admin."""
        person = self.person_of(device_id)
        return [d for d in self.devices_of(person) if d != device_id]

    @property
    def must_rotate(self) -> bool:
        """Whether the current epoch's key may not be used: closed by a leaver, or made by one (§8)."""
        return self.closed or self.epoch in self.left_by

    def may_add_at(self, changes: int) -> bool:
        """Whether a v2 ``add`` signed at ``changes`` is valid now: the epoch began there (§8)."""
        return not self.closed and self.began_at == changes

    def ended_before(self, epoch: int, position: int) -> bool:
        """Whether a change at ``position`` under ``epoch`` came after an entry that ended it (§7)."""
        end = self.ends.get(epoch)
        return end is not None and end < position

    def sign_pub(self, device_id: bytes) -> bytes | None:
        member = self.members.get(device_id)
        return member.identity.sign_pub if member else None

    def authors_of(self, epoch: int) -> signed.KeyLookup:
        """Keys of everyone who was a member during ``epoch``: who may have written under its key.

        A removed member's old records still verify; nothing they write under a later epoch does.
        """
        allowed = self.epoch_members.get(epoch, frozenset())

        def lookup(device_id: bytes) -> bytes | None:
            identity = self.identities.get(device_id) if device_id in allowed else None
            return identity.sign_pub if identity else None

        return lookup

    def admins(self) -> list[bytes]:
        return [device_id for device_id, m in self.members.items() if m.role == "admin"]

    def inviter_identity(self, device_id: bytes) -> PublicIdentity | None:
        """The identity whose invites this circle honours: an admin now, and no one else (§9).

        An admin who left keeps no standing: no log entry reaches a non-member, and an invite
        carries no time it was made, so a departed admin could otherwise sign links for ever.
        """
        member = self.members.get(device_id)
        return member.identity if member is not None and member.role == "admin" else None


def entry_hash(entry: object) -> bytes:
    _signer, payload, signature = signed.decode(entry)
    return primitives.sha256(ctx("support-circle/v1/log-entry", payload, signature))


# Building entries ------------------------------------------------------------------------------


def entry(
    signer: DeviceKeys, circle_id: bytes, seq: int, prev: bytes | None, op: str, **fields: Any
) -> signed.SignedObject:
    """Any entry, as its signer makes it (``v`` among ``fields`` for version 2); the op builders
    below are the usual way in."""
    payload = {
        "v": fields.pop("v", VERSION),
        "type": "membership",
        "circle_id": b64u(circle_id),
        "seq": seq,
        "prev": b64u(prev) if prev is not None else None,
        "signer": b64u(signer.device_id),
        "op": op,
        **fields,
    }
    return signer.sign(payload)


def genesis(creator: DeviceKeys, circle_id: bytes, epoch_key: bytes) -> signed.SignedObject:
    member = {"identity": creator.identity(), "role": "admin"}
    commitment = b64u(key_commitment(epoch_key, circle_id))
    return entry(creator, circle_id, 0, None, "genesis", member=member, epoch=0, key_commitment=commitment)


def _next(signer: DeviceKeys, state: CircleState, op: str, **fields: Any) -> signed.SignedObject:
    return entry(signer, state.circle_id, state.head.seq + 1, state.head.hash, op, **fields)


def add(
    signer: DeviceKeys,
    state: CircleState,
    identity: signed.SignedObject,
    role: str = "member",
    changes: int | None = None,
) -> signed.SignedObject:
    """An ``add``: version 2 when ``changes`` (where the current epoch began, §8) is given."""
    return _next(signer, state, "add", member={"identity": identity, "role": role}, **_position(changes))


def remove(
    signer: DeviceKeys, state: CircleState, device_id: bytes, new_epoch_key: bytes, changes: int | None = None
) -> signed.SignedObject:
    """A ``remove``: version 2 when ``changes`` (the newest change position pulled, §8) is given."""
    commitment = b64u(key_commitment(new_epoch_key, state.circle_id))
    fields = {"device_id": b64u(device_id), "epoch": state.epoch + 1, "key_commitment": commitment}
    return _next(signer, state, "remove", **fields, **_position(changes))


def leave(signer: DeviceKeys, state: CircleState, new_epoch_key: bytes) -> signed.SignedObject:
    """A ``leave`` as version 1 writes it, starting an epoch with the leaver's key."""
    commitment = b64u(key_commitment(new_epoch_key, state.circle_id))
    return _next(signer, state, "leave", epoch=state.epoch + 1, key_commitment=commitment)


def depart(signer: DeviceKeys, state: CircleState, changes: int) -> signed.SignedObject:
    """A version 2 ``leave``: it closes the epoch, and the leaver makes no key (§8)."""
    return _next(signer, state, "leave", v=2, changes=changes)


def set_role(signer: DeviceKeys, state: CircleState, device_id: bytes, role: str) -> signed.SignedObject:
    return _next(signer, state, "role", device_id=b64u(device_id), role=role)


def rotate(
    signer: DeviceKeys, state: CircleState, new_epoch_key: bytes, changes: int | None = None
) -> signed.SignedObject:
    """A ``rotate``: version 2 when ``changes`` (the newest change position pulled, §8) is given."""
    commitment = b64u(key_commitment(new_epoch_key, state.circle_id))
    return _next(signer, state, "rotate", epoch=state.epoch + 1, key_commitment=commitment, **_position(changes))


def companion(
    signer: DeviceKeys, state: CircleState, identity: signed.SignedObject, changes: int
) -> signed.SignedObject:
    """A ``companion``: the signer's device lets in another device of its own person, in its role (§8)."""
    role = state.members[signer.device_id].role
    return _next(signer, state, "companion", v=2, member={"identity": identity, "role": role}, changes=changes)


def _position(changes: int | None) -> dict[str, Any]:
    return {} if changes is None else {"v": 2, "changes": changes}


# Verifying a log -------------------------------------------------------------------------------


def verify_log(
    circle_id: bytes, genesis_hash: bytes, entries: Sequence[object], known_head: Head | None = None
) -> CircleState:
    """The circle's state after checking every entry in order (§8); raises at the first fault."""
    if not entries:
        raise ProtocolError("genesis_mismatch", "the log is empty")
    state = _verify_genesis(circle_id, genesis_hash, entries[0])
    for entry in entries[1:]:
        state = apply_entry(state, entry)
    if known_head is not None:
        # Only once every entry verified (§8): a log both shorter and broken fails as broken.
        _check_not_rolled_back(entries, known_head)
    return state


def _verify_genesis(circle_id: bytes, genesis_hash: bytes, entry: object) -> CircleState:
    if entry_hash(entry) != genesis_hash:
        raise ProtocolError("genesis_mismatch")
    signer, payload_bytes, signature = signed.decode(entry)
    payload = _fields(parse_json(payload_bytes), signer, circle_id)
    # The op first: another op's payload has no epoch to read.
    if payload["op"] != "genesis" or payload["seq"] != 0 or payload["prev"] is not None:
        raise ProtocolError("invalid_operation", "the first entry is not a genesis")
    if expect_int(payload["epoch"]) != 0:
        raise ProtocolError("invalid_operation", "a circle begins at epoch 0")
    creator = _member(payload["member"])
    if creator.identity.device_id != signer or creator.role != "admin":
        raise ProtocolError("invalid_operation", "a circle begins with its creator as admin")
    signed.verify_bytes("membership", creator.identity.sign_pub, payload_bytes, signature)
    device_id = creator.identity.device_id
    return CircleState(
        circle_id=circle_id,
        members={device_id: creator},
        epoch=0,
        commitments={0: unb64u(payload["key_commitment"], 32)},
        head=Head(0, entry_hash(entry)),
        identities={device_id: creator.identity},
        epoch_members={0: frozenset({device_id})},
    )


def apply_entry(state: CircleState, entry: object) -> CircleState:
    """The state after ``entry``, checked as the next entry of a log verified up to ``state`` (§8,
    entry ``i > 0``); raises at the first fault.

    It reads only the members with their keys and roles, the current epoch and its members, and the
    head, so a verifier that keeps those (the server does, per circle) checks one entry without the
    entries before it.
    """
    payload = _fields(signed.verify(entry, "membership", state.sign_pub, versions=VERSIONS), None, state.circle_id)
    if payload["seq"] != state.head.seq + 1 or payload["prev"] != b64u(state.head.hash):
        raise ProtocolError("broken_chain")
    signer = unb64u_id(payload["signer"])
    if not _anyone_may(state, signer, payload) and state.members[signer].role != "admin":
        raise ProtocolError("not_admin")
    if payload["op"] == "genesis":
        raise ProtocolError("invalid_operation", "a second genesis")
    if state.v2 and payload["op"] != "role" and payload["v"] != 2:
        raise ProtocolError("invalid_operation", "a version 1 entry after a version 2 one")
    next_state = _OPS[payload["op"]](state, signer, payload)
    return replace(next_state, head=Head(state.head.seq + 1, entry_hash(entry)), v2=state.v2 or payload["v"] == 2)


def _anyone_may(state: CircleState, signer: bytes, payload: dict[str, Any]) -> bool:
    """Whether a member that is not an admin may sign this entry (§8 step 6): its own ``leave``;
    a ``rotate`` when the current key may not be used (§8, "A closed epoch"); a ``companion``, in its
    own role; and the ``remove`` of another device of its own person (unlinking it)."""
    op = payload["op"]
    if op == "remove":
        device_id = unb64u_id(payload["device_id"])
        return device_id in state.members and device_id in state.companions(signer)
    return op in ("leave", "companion") or (op == "rotate" and state.must_rotate)


def _fields(document: object, signer: bytes | None, circle_id: bytes) -> dict[str, Any]:
    """§8's payload checks, in their order (the signer's was made by ``signed.verify`` if None).

    expect_object checks every member's JSON type, then every b64u member's length (seq and epoch
    u32, prev and key_commitment 32 bytes), all before the circle is compared (§1 steps 7 and 8).
    """
    document = signed.payload_header(document, "membership", VERSIONS)
    if signer is not None and unb64u_id(document.get("signer")) != signer:
        raise ProtocolError("context_mismatch", "payload signer is not the signer")
    op = document.get("op")
    fields = _V2_FIELDS if document["v"] == 2 else _OP_FIELDS
    if op not in fields:
        raise ProtocolError("malformed", "unknown op, or one version 2 does not have")
    payload = expect_object(document, _COMMON + fields[op], versions=VERSIONS)
    if unb64u_id(payload["circle_id"]) != circle_id:
        raise ProtocolError("context_mismatch", "an entry of another circle")
    return payload


def _member(value: object) -> Member:
    """The identity first, with §3's own codes, then the role."""
    fields = expect_object(value, ("identity", "role"))
    identity = verify_identity(fields["identity"])
    if fields["role"] not in ROLES:
        raise ProtocolError("malformed", "unknown role")
    return Member(identity, fields["role"])


def _op_add(state: CircleState, _signer: bytes, payload: dict[str, Any]) -> CircleState:
    member = _member(payload["member"])
    device_id = member.identity.device_id
    if device_id in state.members:
        raise ProtocolError("invalid_operation", "already a member")
    if state.devices_of(device_id):
        # Its person's other devices stayed: it comes back as their companion, in their role.
        raise ProtocolError("invalid_operation", "the device began a person that is still here")
    if payload["v"] == 2 and not state.may_add_at(payload["changes"]):
        raise ProtocolError("invalid_operation", "an add where the current epoch did not begin: rotate first")
    return _joined(replace(state, persons=_drop(state.persons, {device_id})), member)


def _op_companion(state: CircleState, signer: bytes, payload: dict[str, Any]) -> CircleState:
    member = _member(payload["member"])
    device_id = member.identity.device_id
    if device_id in state.members:
        raise ProtocolError("invalid_operation", "already a member")
    if member.role != state.members[signer].role:
        raise ProtocolError("invalid_operation", "a companion takes its sponsor's role, no other")
    if state.must_rotate:
        raise ProtocolError("invalid_operation", "a companion where the current key may not be used: rotate first")
    return _joined(replace(state, persons={**state.persons, device_id: state.person_of(signer)}), member)


def _joined(state: CircleState, member: Member) -> CircleState:
    device_id = member.identity.device_id
    return replace(
        state,
        members={**state.members, device_id: member},
        identities={**state.identities, device_id: member.identity},
        epoch_members={**state.epoch_members, state.epoch: state.epoch_members[state.epoch] | {device_id}},
        left_admins=state.left_admins - {device_id},
    )


def _drop(persons: dict[bytes, bytes], device_ids: set[bytes]) -> dict[bytes, bytes]:
    return {d: p for d, p in persons.items() if d not in device_ids}


def _target(state: CircleState, signer: bytes, payload: dict[str, Any]) -> bytes:
    device_id = unb64u_id(payload["device_id"])
    if device_id not in state.members or device_id == signer:
        raise ProtocolError("invalid_operation", "not a member, or the signer itself")
    return device_id


def _without(state: CircleState, *device_ids: bytes) -> CircleState:
    gone = set(device_ids)
    return replace(
        state, members={d: m for d, m in state.members.items() if d not in gone}, persons=_drop(state.persons, gone)
    )


def _op_remove(state: CircleState, signer: bytes, payload: dict[str, Any]) -> CircleState:
    """A device of the signer's own person goes alone (unlinking it); another person goes with
    every one of its devices, so a removed member's companions do not stay behind."""
    device_id = _target(state, signer, payload)
    person = state.person_of(device_id)
    gone = [device_id] if person == state.person_of(signer) else state.devices_of(person)
    return _start_epoch(_without(state, *gone), payload)


def _op_leave(state: CircleState, signer: bytes, payload: dict[str, Any]) -> CircleState:
    # The one way a circle could lose its last admin: remove and role never name their signer.
    if state.admins() == [signer]:
        raise ProtocolError("invalid_operation", "a circle keeps at least one admin")
    left = _without(state, signer)
    if state.members[signer].role == "admin":
        left = replace(left, left_admins=left.left_admins | {signer})
    if payload["v"] == 2:
        return replace(_ended(left, payload), closed=True)
    after = _start_epoch(left, payload)
    return replace(after, left_by={**after.left_by, after.epoch: signer})


def _op_role(state: CircleState, signer: bytes, payload: dict[str, Any]) -> CircleState:
    """A role is a person's: every device of the member named takes it, and a signer sets none of
    its own person's (they share its role, which only another admin changes)."""
    device_id, role = _target(state, signer, payload), payload["role"]
    person = state.person_of(device_id)
    if person == state.person_of(signer):
        raise ProtocolError("invalid_operation", "a device of the signer's own person")
    if role not in ROLES:
        raise ProtocolError("malformed", "unknown role")
    changed = {d: Member(state.members[d].identity, role) for d in state.devices_of(person)}
    return replace(state, members={**state.members, **changed})


def _op_rotate(state: CircleState, _signer: bytes, payload: dict[str, Any]) -> CircleState:
    return _start_epoch(state, payload)


def _ended(state: CircleState, payload: dict[str, Any]) -> CircleState:
    """A v2 entry ends the current epoch at its ``changes``, or earlier if another already did."""
    if payload["v"] != 2:
        return state
    end = min(payload["changes"], state.ends.get(state.epoch, payload["changes"]))
    return replace(state, ends={**state.ends, state.epoch: end})


def _start_epoch(state: CircleState, payload: dict[str, Any]) -> CircleState:
    epoch = expect_int(payload["epoch"])
    if epoch != state.epoch + 1:
        raise ProtocolError("invalid_operation", "an epoch must be the next one")
    state = _ended(state, payload)
    return replace(
        state,
        closed=False,
        began_at=payload["changes"] if payload["v"] == 2 else None,
        epoch=epoch,
        commitments={**state.commitments, epoch: unb64u(payload["key_commitment"], 32)},
        epoch_members={**state.epoch_members, epoch: frozenset(state.members)},
    )


_OPS: dict[str, Callable[[CircleState, bytes, dict[str, Any]], CircleState]] = {
    "add": _op_add,
    "remove": _op_remove,
    "leave": _op_leave,
    "role": _op_role,
    "rotate": _op_rotate,
    "companion": _op_companion,
}


def _check_not_rolled_back(entries: Sequence[object], known: Head) -> None:
    if len(entries) <= known.seq or entry_hash(entries[known.seq]) != known.hash:
        raise ProtocolError("rolled_back")


def genesis_hash(entries: Sequence[object]) -> bytes:
    return entry_hash(entries[0])
