"""The verified state at the head of a circle's membership log, as the server stores it.

Checking an appended entry needs only the state its log leads to (``membership.apply_entry``): the
members with their keys and roles, the epoch and the head, never the entries before. The server
keeps that state beside each circle (``Circle.head_state``), written in the transaction that appends
each entry, so an append verifies one signature and reads no log row, however long the log. Clients
still verify the whole log themselves; this is the server's own bookkeeping, not part of the protocol.

The snapshot is bounded by the members, not by the log: the current members' public keys and roles,
the epoch with its key commitment, and the head. A state loaded from it knows nothing of the past —
its ``commitments``, ``identities`` and ``epoch_members`` hold the current epoch and members only,
``left_by`` at most the current epoch's leaver, and ``ends`` is empty — which is all ``apply_entry``
reads (whether the current epoch is closed or a leaver's, which lets any member rotate, §8) and all
the server asks of it (older epochs are ``0 .. epoch``), where the current epoch began and whether
the log holds a version 2 entry (a version 2 ``add`` and the entries after one read them, §8).
Version 2 added the first two, version 3 the last two, version 4 the person of each member a
``companion`` entry let in (§8, "A person's devices": who may remove whom, and whom a removal takes
with it); an older snapshot is not loaded, so its circle's log is verified once again.

The members' keys are stored as keys, not as the signed identities they came in: their signatures
were checked when their ``add`` was, and loading must not check them again on every append.
"""

from typing import Any

from support_circle.protocol import ProtocolError
from support_circle.protocol.encoding import b64u, unb64u, unb64u_id
from support_circle.protocol.identity import PublicIdentity
from support_circle.protocol.membership import CircleState, Head, Member

VERSION = 4


def dump(state: CircleState) -> dict[str, Any]:
    """The snapshot of ``state`` to store: plain JSON, members in the order the log added them."""
    return {
        "v": VERSION,
        "seq": state.head.seq,
        "hash": b64u(state.head.hash),
        "epoch": state.epoch,
        "key_commitment": b64u(state.commitments[state.epoch]),
        "members": [_dump_member(m) for m in state.members.values()],
        "closed": state.closed,
        "left_by": b64u(state.left_by[state.epoch]) if state.epoch in state.left_by else None,
        "began_at": state.began_at,
        "v2": state.v2,
        "persons": {b64u(d): b64u(p) for d, p in state.persons.items()},
    }


def load(circle_id: bytes, snapshot: object) -> CircleState | None:
    """The state ``dump`` stored, or None when there is none (a circle from before the server kept
    heads) or it is not one this version wrote: the caller then verifies the log once instead."""
    if not isinstance(snapshot, dict) or snapshot.get("v") != VERSION:
        return None
    try:
        members = dict(_load_member(m) for m in snapshot["members"])
        epoch = int(snapshot["epoch"])
        leaver, began_at = snapshot["left_by"], snapshot["began_at"]
        if began_at is not None and (not isinstance(began_at, int) or isinstance(began_at, bool)):
            return None
        return CircleState(
            circle_id=circle_id,
            members=members,
            epoch=epoch,
            commitments={epoch: unb64u(snapshot["key_commitment"], 32)},
            head=Head(int(snapshot["seq"]), unb64u(snapshot["hash"], 32)),
            identities={device_id: m.identity for device_id, m in members.items()},
            # Always the members now: an epoch starts with the members then, and adds join both.
            epoch_members={epoch: frozenset(members)},
            left_by={} if leaver is None else {epoch: unb64u_id(leaver)},
            closed=snapshot["closed"] is True,
            began_at=began_at,
            v2=snapshot["v2"] is True,
            persons={unb64u_id(d): unb64u_id(p) for d, p in snapshot["persons"].items()},
        )
    except (AttributeError, KeyError, TypeError, ValueError, ProtocolError):
        return None


def _dump_member(member: Member) -> dict[str, str]:
    identity = member.identity
    return {
        "device_id": b64u(identity.device_id),
        "sign_pub": b64u(identity.sign_pub),
        "kem_pub": b64u(identity.kem_pub),
        "role": member.role,
    }


def _load_member(stored: dict[str, str]) -> tuple[bytes, Member]:
    identity = PublicIdentity(
        unb64u_id(stored["device_id"]), unb64u(stored["sign_pub"], 32), unb64u(stored["kem_pub"], 32)
    )
    return identity.device_id, Member(identity, stored["role"])
