"""Circles and their signed membership logs. The server verifies every entry with the same
protocol code the clients use, so a malformed or forged log never gets stored; clients still
verify everything themselves.

Each entry is checked against the verified state at the log's head, which the server stores with
the circle (``log_head``), so an append costs the same whatever the log's length: nobody can slow
other writers by growing a long log.
"""

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from support_circle.db import reading, retried_if_disconnected, serialized_writes
from support_circle.errors import Conflict, Forbidden, NotFound, RateLimited, Rejected
from support_circle.events import Event, announce
from support_circle.models import Circle, CircleMember, Device, KeyEnvelopeRow, MembershipEntry
from support_circle.protocol import ProtocolError
from support_circle.protocol.circle_keys import SEALED_KEY_BYTES
from support_circle.protocol.encoding import b64u, parse_json, unb64u, unb64u_id
from support_circle.protocol.membership import CircleState, Head, apply_entry, entry_hash, verify_log
from support_circle.services import log_head
from support_circle.services.quota import charge
from support_circle.services.sealed import decode
from support_circle.settings import Settings

NOT_A_MEMBER = "No such circle for this device. It may have been removed from it."


def member_circle(
    session: Session, device: Device, circle_id: str, *, admin: bool = False, lock: bool = False
) -> Circle:
    """The circle, if this device is an active member; 404 otherwise, so existence is not leaked."""
    statement = (
        select(Circle, CircleMember.role)
        .join(CircleMember, col(CircleMember.circle_id) == col(Circle.id))
        .where(Circle.id == circle_id, CircleMember.device_id == device.id, col(CircleMember.active).is_(True))
    )
    row = session.exec(statement.with_for_update(of=Circle) if lock else statement).first()
    if row is None:
        raise NotFound(NOT_A_MEMBER)
    circle, role = row
    if admin and role != "admin":
        raise Forbidden("Only an admin of this circle can do that.", code="not_admin")
    return circle


_circle = Circle.__table__  # type: ignore[attr-defined]
_member = CircleMember.__table__  # type: ignore[attr-defined]
# The circle's counters, if the device is an active member: no row otherwise. A pull reads them
# with its page in the same statement (``pulls._PULL``).
COUNTERS = (
    sa.select(*(_circle.c[name] for name in ("id", "genesis_hash", "log_seq", "head_hash", "epoch", "change_seq")))
    .join(_member, _member.c.circle_id == _circle.c.id)
    .where(
        _circle.c.id == sa.bindparam("circle_id"),
        _member.c.device_id == sa.bindparam("device_id"),
        _member.c.active.is_(True),
    )
)


def counters(engine: Engine, device_id: str, circle_id: str) -> sa.Row[Any]:
    """The circle's counters, if this device is an active member (404 otherwise): one statement
    on a connection of its own, reading only the counters (not the stored head state); it only
    reads, so a dead connection is retried."""

    def read() -> sa.Row[Any] | None:
        with reading(engine) as connection:
            return connection.execute(COUNTERS, {"circle_id": circle_id, "device_id": device_id}).first()

    row = retried_if_disconnected(read)
    if row is None:
        raise NotFound(NOT_A_MEMBER)
    return row


def circles_of(session: Session, device: Device) -> list[Circle]:
    statement = (
        select(Circle)
        .join(CircleMember, col(CircleMember.circle_id) == col(Circle.id))
        .where(CircleMember.device_id == device.id, col(CircleMember.active).is_(True))
        .order_by(col(Circle.created_at))
    )
    return list(session.exec(statement))


def active_member_ids(session: Session, circle_id: str) -> set[str]:
    statement = select(CircleMember.device_id).where(
        CircleMember.circle_id == circle_id, col(CircleMember.active).is_(True)
    )
    return set(session.exec(statement))


@contextmanager
def _refused_as_rejected() -> Iterator[None]:
    """A log that does not verify is the caller's bad input: a 4xx with the protocol's code."""
    try:
        yield
    except ProtocolError as exc:
        raise Rejected(exc.code, f"The membership log entry was refused ({exc.code}).") from exc


def _verify(circle_id: str, genesis_hash: bytes, entries: list[dict[str, Any]]) -> CircleState:
    with _refused_as_rejected():
        return verify_log(unb64u_id(circle_id), genesis_hash, entries)


def head_state(session: Session, circle: Circle, *, keep: bool = False) -> CircleState:
    """The verified state at the circle's head: the stored one, or, when none matches the head (a
    circle from before heads were kept), the whole log verified — and stored too if ``keep``."""
    state = log_head.load(unb64u_id(circle.id), circle.head_state)
    if state is not None and state.head == Head(circle.log_seq, unb64u(circle.head_hash)):
        return state
    state = _verify(circle.id, unb64u(circle.genesis_hash), log_entries(session, circle))
    if keep:
        _keep_head(session, circle, state)
    return state


def next_state(session: Session, circle: Circle, entry: dict[str, Any]) -> CircleState:
    """The state after ``entry``, checked as the next entry of the circle's log (only reads)."""
    return _checked(head_state(session, circle), entry)


def _checked(state: CircleState, entry: dict[str, Any]) -> CircleState:
    with _refused_as_rejected():
        return apply_entry(state, entry)


def _keep_head(session: Session, circle: Circle, state: CircleState) -> None:
    circle.log_seq, circle.head_hash, circle.epoch = state.head.seq, b64u(state.head.hash), state.epoch
    circle.epoch_closed = state.closed
    circle.head_state = log_head.dump(state)
    session.add(circle)


def create_circle(
    session: Session,
    settings: Settings,
    device: Device,
    circle_id: str,
    genesis: dict[str, Any],
    envelope: dict[str, Any],
) -> Circle:
    """The new circle, or the one this very request made before (a retry whose answer was lost).

    Everything the request says is checked before its id is looked up: a request that would be
    refused anyway is refused alike whether the id is free or taken. An id taken otherwise is
    ``circle_exists``; nothing is ever overwritten.
    """
    anchor = entry_hash(genesis)
    state = _verify(circle_id, anchor, [genesis])
    if list(state.members) != [unb64u(device.id)]:
        raise Forbidden("A device can only create a circle with itself as the first admin.", code="not_creator")
    _check_envelopes(circle_id, state, [envelope])
    with serialized_writes(session):
        try:
            return _create(session, settings, device, state, genesis, envelope)
        except IntegrityError:  # the same id, made at the same moment by another request
            session.rollback()
            made = _made_before(session, device, circle_id, genesis, envelope)
            if made is None:
                raise
            return made


def _create(
    session: Session,
    settings: Settings,
    device: Device,
    state: CircleState,
    genesis: dict[str, Any],
    envelope: dict[str, Any],
) -> Circle:
    circle_id, anchor = envelope["circle_id"], b64u(entry_hash(genesis))  # the envelope's id was checked
    made = _made_before(session, device, circle_id, genesis, envelope)
    if made is not None:
        return made
    charge(session, settings, device, entry_size(genesis) + SEALED_KEY_BYTES)
    circle = Circle(id=circle_id, genesis_hash=anchor, head_hash=anchor)
    _keep_head(session, circle, state)
    session.add(MembershipEntry(circle_id=circle_id, seq=0, entry=genesis))
    session.add(CircleMember(circle_id=circle_id, device_id=device.id, role="admin"))
    session.flush()
    _store_envelopes(session, circle, state, [envelope], Grant(device.id))
    announce(session, Event("membership", circle_id, 0))
    session.commit()
    session.refresh(circle)
    return circle


def _made_before(
    session: Session, device: Device, circle_id: str, genesis: dict[str, Any], envelope: dict[str, Any]
) -> Circle | None:
    """None for a free id; the circle if this device made it by the same genesis and key and is
    still in it; ``circle_exists`` for any other circle under this id."""
    circle = session.get(Circle, circle_id)
    if circle is None:
        return None
    first = session.get(MembershipEntry, (circle_id, 0))
    held = session.get(KeyEnvelopeRow, (circle_id, 0, device.id))
    member = session.get(CircleMember, (circle_id, device.id))
    if (
        first is None
        or first.entry != genesis
        or held is None
        or held.envelope != envelope
        or member is None
        or not member.active
    ):
        raise Conflict("circle_exists", "A circle with this id exists already.")
    return circle


def entry_size(entry: dict[str, Any]) -> int:
    """What a membership entry counts in its appender's quota: its signed payload and signature."""
    return len(unb64u(entry["payload"])) + len(unb64u(entry["sig"]))


def log_entries(session: Session, circle: Circle, since: int = -1) -> list[dict[str, Any]]:
    statement = (
        select(MembershipEntry)
        .where(MembershipEntry.circle_id == circle.id, col(MembershipEntry.seq) > since)
        .order_by(col(MembershipEntry.seq))
    )
    return [row.entry for row in session.exec(statement)]


def append_entry(
    session: Session,
    settings: Settings,
    device: Device,
    circle_id: str,
    entry: dict[str, Any],
    envelopes: list[dict[str, Any]],
) -> Circle:
    """Appends one verified entry and the key envelopes it needs, in one transaction.

    The entry is checked against the stored head alone, and the new head is stored in the same
    transaction, under the circle's row lock: whatever the log's length, no log row is read but
    the one the hourly bound looks up by its key.
    """
    with serialized_writes(session):
        circle = member_circle(session, device, circle_id, lock=True)
        _check_log_rate(session, settings, circle)
        before = head_state(session, circle)
        state = _checked(before, entry)
        _check_changes_position(circle, entry)
        seq = state.head.seq
        session.add(MembershipEntry(circle_id=circle.id, seq=seq, entry=entry))
        _keep_head(session, circle, state)
        _sync_members(session, circle, before, state)
        session.flush()
        added = _store_envelopes(session, circle, state, envelopes, Grant.of(device, entry))
        charge(session, settings, device, entry_size(entry) + SEALED_KEY_BYTES * added)
        announce(session, Event("membership", circle.id, seq))
        session.commit()
        session.refresh(circle)
        return circle


def _check_changes_position(circle: Circle, entry: dict[str, Any]) -> None:
    """A version 2 entry that ends or closes an epoch is appended only while the change log ends
    where its signer had pulled it (PROTOCOL.md §8): nothing lands between under the old epoch,
    so readers can refuse whatever a server places after it. Read from the verified payload."""
    payload = parse_json(unb64u(entry["payload"]))
    if payload.get("v") == 2 and payload["changes"] != circle.change_seq:
        raise Conflict(
            "changes_moved",
            "Someone wrote to the circle since you last synced. Sync, then try again.",
            details=[{"changes": payload["changes"], "change_seq": circle.change_seq}],
        )


def _check_log_rate(session: Session, settings: Settings, circle: Circle) -> None:
    """At most ``max_log_entries_per_hour`` entries in any hour: the oldest of the last that many
    must be an hour old. One entry read by its key, however long the log; none while the whole
    log is shorter than the bound."""
    back = circle.log_seq + 1 - settings.max_log_entries_per_hour
    oldest = session.get(MembershipEntry, (circle.id, back)) if back >= 0 else None
    if oldest is None:
        return
    wait = (oldest.created_at + timedelta(hours=1) - datetime.now(UTC)).total_seconds()
    if wait > 0:
        raise RateLimited(
            math.ceil(wait),
            "This circle's membership has changed as often as it may in one hour. Try again later.",
        )


def _sync_members(session: Session, circle: Circle, before: CircleState, after: CircleState) -> None:
    """Brings the member rows from ``before`` to ``after``: only the rows of devices whose
    membership or role the entry changed are read or written (one, or a person's devices when an
    admin removes a member or sets its role, §8)."""
    for device_id in before.members.keys() | after.members.keys():
        role = _role(after, device_id)
        if role == _role(before, device_id):
            continue
        key = b64u(device_id)
        row = session.get(CircleMember, (circle.id, key)) or _new_member(session, circle, key)
        row.active, row.role = role is not None, role or row.role
        session.add(row)


def _new_member(session: Session, circle: Circle, device_id: str) -> CircleMember:
    if session.get(Device, device_id) is None:
        raise Rejected("unknown_device", "A member must register with this server before being added.")
    return CircleMember(circle_id=circle.id, device_id=device_id, role="member")


def _role(state: CircleState, device_id: bytes) -> str | None:
    member = state.members.get(device_id)
    return member.role if member else None


@dataclass(frozen=True)
class Grant:
    """Whose key envelopes one request may store (PROTOCOL.md §6, "Who may store an envelope").

    A device may always store or replace its own. Beyond that: the signer of an entry that starts
    an epoch gives that epoch's key to the others, the signer of an ``add`` or ``companion`` gives
    the new member its keys, and an admin may give a member a key it lacks. Nobody replaces an envelope another
    member holds: a member leaving could otherwise swap the keys the others read the past with.
    """

    caller: str
    new_epoch: int | None = None
    new_member: str | None = None
    fill: bool = False

    @classmethod
    def of(cls, device: Device, entry: dict[str, Any]) -> "Grant":
        """What the device that sends ``entry`` (already verified as the log's next) may store with it."""
        if entry["signer"] != device.id:
            return cls(device.id)
        payload = json.loads(unb64u(entry["payload"]))
        member = payload.get("member")
        adds = payload["op"] in ("add", "companion")
        added = member["identity"]["signer"] if adds and isinstance(member, dict) else None
        return cls(device.id, None if adds else payload.get("epoch"), added)

    def allows(self, envelope: dict[str, Any], stored: bool) -> bool:
        recipient = envelope["recipient"]
        if recipient == self.caller:
            return True
        if stored:
            return False
        return envelope["epoch"] == self.new_epoch or recipient == self.new_member or self.fill


def _check_envelopes(circle_id: str, state: CircleState, envelopes: list[dict[str, Any]]) -> None:
    """Key envelopes of the right size, for members of this circle, for epochs its log has."""
    members = {b64u(d) for d in state.members}
    for envelope in envelopes:
        _check_sealed_key(envelope["sealed"])
        if envelope["circle_id"] != circle_id or not 0 <= envelope["epoch"] <= state.epoch:
            raise Rejected("context_mismatch", "A key envelope names another circle or an epoch the log does not have.")
        if envelope["recipient"] not in members:
            raise Rejected("unknown_author", "A key envelope is for a device that is not a member.")


def _store_envelopes(
    session: Session, circle: Circle, state: CircleState, envelopes: list[dict[str, Any]], grant: Grant
) -> int:
    """Stores key envelopes as ``grant`` allows, all or none; how many were not stored before
    (a replaced envelope is the same 80 bytes, so only new ones add to a quota)."""
    _check_envelopes(circle.id, state, envelopes)
    added = 0
    for envelope in envelopes:
        key = (circle.id, envelope["epoch"], envelope["recipient"])
        row = session.get(KeyEnvelopeRow, key)
        if not grant.allows(envelope, stored=row is not None):
            raise Forbidden(
                "A key envelope may come only from the device it is for, or from the member who started its epoch "
                "or added its device; nobody replaces a key another member holds.",
                code="not_your_envelope",
            )
        if row is None:
            added += 1
            row = KeyEnvelopeRow(
                circle_id=circle.id, epoch=envelope["epoch"], recipient=envelope["recipient"], envelope=envelope
            )
        row.envelope = envelope
        session.add(row)
    return added


def _check_sealed_key(sealed: str) -> None:
    """A key envelope seals one 32-byte key, so it has exactly one size (PROTOCOL.md §6)."""
    size = len(decode(sealed, "key envelope"))
    if size < SEALED_KEY_BYTES:
        raise Rejected("truncated", "A key envelope is too short to hold a key. Update the app and try again.")
    if size > SEALED_KEY_BYTES:
        raise Rejected("malformed", "A key envelope is larger than a sealed key. Update the app and try again.")


def add_envelopes(
    session: Session, settings: Settings, device: Device, circle_id: str, envelopes: list[dict[str, Any]]
) -> None:
    with serialized_writes(session):
        circle = member_circle(session, device, circle_id, admin=True, lock=True)
        state = head_state(session, circle, keep=True)
        added = _store_envelopes(session, circle, state, envelopes, Grant(device.id, fill=True))
        charge(session, settings, device, SEALED_KEY_BYTES * added)
        session.commit()


def envelopes_for(session: Session, device: Device, circle: Circle) -> list[dict[str, Any]]:
    statement = (
        select(KeyEnvelopeRow)
        .where(KeyEnvelopeRow.circle_id == circle.id, KeyEnvelopeRow.recipient == device.id)
        .order_by(col(KeyEnvelopeRow.epoch))
    )
    return [row.envelope for row in session.exec(statement)]
