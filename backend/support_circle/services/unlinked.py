"""Unlinked notices (PROTOCOL.md §17): the admin who removed a device leaves it a signed word.

A removed device is answered about its circle as if the circle did not exist, and must not wipe
on that alone. The server stores a notice only when it is what it says: signed by the signed-in
admin and naming a ``remove`` of that device that the log holds. The device still checks it
against its own log; the server's checks keep a removed or demoted admin's word out.
"""

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from support_circle.db import serialized_writes
from support_circle.errors import Rejected, TooLarge
from support_circle.models import CircleMember, Device, MembershipEntry, UnlinkedNotice
from support_circle.protocol import ProtocolError, unlinked
from support_circle.protocol.encoding import b64u, parse_json, unb64u, unb64u_id
from support_circle.protocol.membership import entry_hash
from support_circle.services import circles

# A notice's payload is about 230 characters; room for any spelling of it, and no more.
MAX_PAYLOAD_CHARS = 1024


class NotRemoved(Rejected):
    def __init__(self) -> None:
        super().__init__("not_removed", "The circle's log holds no such removal of that device.")


def put_notice(session: Session, device: Device, circle_id: str, removed_id: str, notice: dict[str, Any]) -> None:
    """Stores the notice for ``removed_id``, replacing the one it had for this circle."""
    if len(notice["payload"]) > MAX_PAYLOAD_CHARS:
        raise TooLarge("payload_too_large", "An unlinked notice is far smaller than that.")
    try:
        _put(session, device, circle_id, removed_id, notice)
    except IntegrityError:  # the same notice, stored at the same moment by another request
        session.rollback()
        _put(session, device, circle_id, removed_id, notice)


def _put(session: Session, device: Device, circle_id: str, removed_id: str, notice: dict[str, Any]) -> None:
    with serialized_writes(session):
        circle = circles.member_circle(session, device, circle_id, admin=True, lock=True)
        state = circles.head_state(session, circle)
        me = unb64u_id(device.id)
        try:
            # Only the signed-in device's own key: a notice another device signed is unknown_author.
            read = unlinked.read(notice, lambda signer: state.sign_pub(signer) if signer == me else None)
        except ProtocolError as exc:
            raise Rejected(exc.code, f"The unlinked notice was refused ({exc.code}).") from exc
        if b64u(read.circle_id) != circle_id or b64u(read.device_id) != removed_id:
            raise Rejected("context_mismatch", "The notice names another circle or device than its address.")
        _check_removal(session, circle_id, removed_id, read.removal.seq, read.removal.hash)
        row = session.get(UnlinkedNotice, (removed_id, circle_id))
        if row is None:
            row = UnlinkedNotice(device_id=removed_id, circle_id=circle_id, notice=notice)
        else:
            row.notice = notice
        session.add(row)
        session.commit()


def _check_removal(session: Session, circle_id: str, removed_id: str, seq: int, expected_hash: bytes) -> None:
    """The log's entry at ``seq`` removed ``removed_id``, which is not back as a member, and the
    device is still registered here (a purged one has nobody to read the notice)."""
    stored = session.get(MembershipEntry, (circle_id, seq))
    if stored is None or entry_hash(stored.entry) != expected_hash:
        raise NotRemoved()
    payload = parse_json(unb64u(stored.entry["payload"]))
    if payload.get("op") != "remove" or payload.get("device_id") != removed_id:
        raise NotRemoved()
    member = session.get(CircleMember, (circle_id, removed_id))
    if (member is not None and member.active) or session.get(Device, removed_id) is None:
        raise NotRemoved()


def notices_for(session: Session, device: Device) -> list[dict[str, Any]]:
    """The notices naming this device, oldest first: nothing else about those circles."""
    rows = session.exec(
        select(UnlinkedNotice).where(UnlinkedNotice.device_id == device.id).order_by(col(UnlinkedNotice.created_at))
    ).all()
    return [row.notice for row in rows]
