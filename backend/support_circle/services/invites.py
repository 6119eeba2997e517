"""Invites and requests to join (PROTOCOL.md §9).

The server keeps an invite's encrypted record and its ``auth_pub``. It checks each join request's
proof with that key, so only holders of the link can ask, and grants nothing by itself: an admin
approves with a signed membership ``add`` entry and a key envelope, appended through the same
verified log as every other entry. A device that is not a member learns nothing about a circle:
an invite it may not use, for whatever reason, is one ``invite_not_found``.
"""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from support_circle.db import serialized_writes
from support_circle.errors import Conflict, Forbidden, NotFound, Rejected, TooLarge
from support_circle.models import Circle, CircleMember, Device, Invite, JoinRequest
from support_circle.protocol import ProtocolError, signed
from support_circle.protocol.encoding import ID_BYTES, b64u, parse_json, unb64u_id
from support_circle.protocol.identity import PublicIdentity, verify_identity
from support_circle.protocol.invites import check_carried_invite, verify_join_request
from support_circle.services.circles import append_entry, member_circle, next_state
from support_circle.services.quota import charge
from support_circle.services.sealed import check_padded, check_sealed, decode
from support_circle.settings import Settings

MAX_LIFETIME = timedelta(days=30)
# A client that asks for exactly 30 days, with a clock a little ahead of the server's, is not refused.
CLOCK_SKEW = timedelta(minutes=5)
MAX_USES = 100
# Requests waiting on one invite: a leaked link cannot bury the admins' list.
MAX_PENDING_PER_INVITE = 100
# The largest padded invite content (one below the biggest padding bucket) plus the AEAD tag.
MAX_INVITE_CT_BYTES = 65536 + 16

PENDING, APPROVED, DECLINED = "pending", "approved", "declined"


class InviteNotFound(NotFound):
    """Expired, withdrawn, used up or never made: a joiner is not told which, nor whose it was."""

    code = "invite_not_found"
    message = "This invite link has expired or was withdrawn. Ask for a new one."


class JoinRequestNotFound(NotFound):
    code = "join_request_not_found"
    message = "There is no such request to join. Open the invite link again to ask anew."


def _now() -> datetime:
    return datetime.now(UTC)


def usable(invite: Invite, now: datetime) -> bool:
    return invite.revoked_at is None and now < invite.expires_at and invite.uses < invite.max_uses


# Admins: making and withdrawing invites --------------------------------------------------------


def create_invite(
    session: Session,
    settings: Settings,
    device: Device,
    circle_id: str,
    record: dict[str, Any],
    auth_pub: str,
    expires_at: datetime,
    max_uses: int,
) -> Invite:
    """The new invite, or the one this very request made before (a retry whose answer was lost).

    Everything the request says is checked before its id is looked up, so only a request that
    would otherwise succeed can meet a taken id: ``invite_exists``, and nothing is overwritten.
    """
    with serialized_writes(session):
        circle = member_circle(session, device, circle_id, admin=True, lock=True)
        expires_at = _checked_expiry(expires_at, _now())
        size = _check_record(record)
        if not 1 <= max_uses <= MAX_USES:
            raise Rejected("invalid_max_uses", f"An invite can be used 1 to {MAX_USES} times.")
        wanted = Invite(
            id=record["invite_id"],
            circle_id=circle.id,
            record=record,
            auth_pub=decode(auth_pub, "invite", 32),
            max_uses=max_uses,
            created_by=device.id,
            expires_at=expires_at,
        )
        made = _made_before(session, wanted)
        if made is not None:
            return made
        _check_room(session, settings, circle, device, size)
        session.add(wanted)
        try:
            session.commit()
        except IntegrityError:  # the same id, made at the same moment by another request
            session.rollback()
            made = _made_before(session, wanted)
            if made is None:
                raise
            return made
        session.refresh(wanted)
        return wanted


def _made_before(session: Session, wanted: Invite) -> Invite | None:
    """None for a free id; the invite if the same device made it in the same circle with the same
    record and terms; ``invite_exists`` for any other invite under this id."""
    invite = session.get(Invite, wanted.id)
    if invite is None:
        return None
    terms = ("circle_id", "created_by", "record", "auth_pub", "max_uses", "expires_at")
    if any(getattr(invite, name) != getattr(wanted, name) for name in terms):
        raise Conflict("invite_exists", "An invite with this id exists already. Make a new invite link.")
    return invite


def invites_of(session: Session, device: Device, circle_id: str) -> list[Invite]:
    circle = member_circle(session, device, circle_id, admin=True)
    statement = select(Invite).where(Invite.circle_id == circle.id).order_by(col(Invite.created_at), col(Invite.id))
    return list(session.exec(statement))


def _checked_expiry(expires_at: datetime, now: datetime) -> datetime:
    """The expiry in UTC, once it is in the future and at most 30 days ahead.

    Compared before conversion: a time near year 1 or 9999 with an offset cannot be moved to UTC.
    """
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise Rejected("invalid_expiry", "Give the invite's expiry with a time zone, for example 2026-12-01T00:00:00Z.")
    if expires_at <= now:
        raise Rejected("expiry_in_past", "An invite must expire in the future. Check this device's date and time.")
    if expires_at > now + MAX_LIFETIME + CLOCK_SKEW:
        raise Rejected("expiry_too_far", "An invite can last at most 30 days. Choose an earlier expiry.")
    return expires_at.astimezone(UTC)


def _check_room(session: Session, settings: Settings, circle: Circle, device: Device, size: int) -> None:
    """A circle has a bounded number of usable invites, and their bytes count in the maker's quota."""
    now = _now()
    usable_now = session.exec(
        select(func.count())
        .select_from(Invite)
        .where(
            Invite.circle_id == circle.id,
            col(Invite.revoked_at).is_(None),
            col(Invite.expires_at) > now,
            col(Invite.uses) < col(Invite.max_uses),
        )
    ).one()
    if usable_now >= settings.max_open_invites_per_circle:
        raise Conflict(
            "too_many_invites", "This circle has as many open invites as it may. Withdraw one you no longer need."
        )
    charge(session, settings, device, size)


def _check_record(record: dict[str, Any]) -> int:
    """Form only: the server cannot open the record, but it stores nothing that is not one."""
    decode(record["invite_id"], "invite", ID_BYTES)
    ct = check_sealed(record["nonce"], record["ct"], "invite record")
    if len(ct) > MAX_INVITE_CT_BYTES:
        raise TooLarge("invite_too_large", "That invite record is larger than an invite can be. Update the app.")
    check_padded(ct, "invite record")
    return len(ct)


def revoke_invite(session: Session, device: Device, circle_id: str, invite_id: str) -> None:
    """Withdraws the invite; requests still waiting on it are declined. Withdrawing twice is no error."""
    with serialized_writes(session):
        circle = member_circle(session, device, circle_id, admin=True, lock=True)
        statement = select(Invite).where(Invite.id == invite_id, Invite.circle_id == circle.id)
        invite = session.exec(statement.with_for_update()).first()
        if invite is None:
            raise InviteNotFound("This circle has no such invite. It may have been deleted with its circle.")
        if invite.revoked_at is None:
            _withdraw(session, invite, _now())
        session.commit()


def _withdraw(session: Session, invite: Invite, now: datetime) -> None:
    """Withdraws ``invite`` and declines every request still waiting on it."""
    invite.revoked_at = now
    session.add(invite)
    _decline_pending(session, invite.id, now)


def _decline_pending(session: Session, invite_id: str, now: datetime, *, keep: str | None = None) -> None:
    statement = select(JoinRequest).where(JoinRequest.invite_id == invite_id, JoinRequest.status == PENDING)
    for row in session.exec(statement).all():
        if row.id != keep:
            row.status, row.decided_at = DECLINED, now
            session.add(row)


# Joiners: reading an invite, asking to join, waiting ---------------------------------------------


def read_invite(session: Session, invite_id: str) -> Invite:
    invite = session.get(Invite, invite_id)
    if invite is None or not usable(invite, _now()):
        raise InviteNotFound()
    return invite


_JOIN_REFUSED = {
    "bad_proof": "This request to join does not prove it came from the invite link. Open the link again.",
    "context_mismatch": "This request to join names another invite. Open the link again.",
    "unknown_author": "This request to join carries an invite its admin did not sign. Open the link again.",
}


def request_to_join(session: Session, device: Device, invite_id: str, request: dict[str, Any]) -> JoinRequest:
    """The device's pending request for this invite: made now, or the one it made before."""
    with serialized_writes(session):
        statement = select(Invite).where(Invite.id == invite_id).with_for_update()
        invite = session.exec(statement).first()
        if invite is None or not usable(invite, _now()):
            raise InviteNotFound()
        if request["invite_id"] != invite.id:
            raise Rejected("context_mismatch", _JOIN_REFUSED["context_mismatch"])
        try:
            joiner = verify_join_request(invite.auth_pub, unb64u_id(invite.id), request)
            maker = session.get(Device, invite.created_by)
            if maker is not None and (identity := _registered_identity(maker)) is not None:
                check_carried_invite(request, identity, invite.auth_pub)
        except ProtocolError as exc:
            message = _JOIN_REFUSED.get(exc.code, f"This request to join does not check out ({exc.code}).")
            raise Rejected(exc.code, message) from exc
        if joiner != _registered_identity(device):
            raise Forbidden(
                "A device can only ask to join as itself. Open the link on the device that should join.",
                code="not_your_identity",
            )
        if _is_member(session, invite.circle_id, device.id):
            raise Conflict("already_member", "This device is a member of this circle already.")
        existing = session.exec(
            select(JoinRequest).where(
                JoinRequest.invite_id == invite.id, JoinRequest.device_id == device.id, JoinRequest.status == PENDING
            )
        ).first()
        if existing is not None:
            return existing
        waiting = session.exec(
            select(func.count())
            .select_from(JoinRequest)
            .where(JoinRequest.invite_id == invite.id, JoinRequest.status == PENDING)
        ).one()
        if waiting >= MAX_PENDING_PER_INVITE:
            raise Conflict(
                "too_many_requests",
                "Many requests are already waiting on this invite. Ask the person who invited you to look at them.",
            )
        row = JoinRequest(
            id=b64u(secrets.token_bytes(ID_BYTES)),
            invite_id=invite.id,
            circle_id=invite.circle_id,
            device_id=device.id,
            request=request,
        )
        session.add(row)
        session.commit()
        session.refresh(row)
        return row


def _registered_identity(device: Device) -> PublicIdentity | None:
    try:
        return verify_identity(device.identity)
    except ProtocolError:
        return None


def _is_member(session: Session, circle_id: str, device_id: str) -> bool:
    statement = select(CircleMember).where(
        CircleMember.circle_id == circle_id,
        CircleMember.device_id == device_id,
        col(CircleMember.active).is_(True),
    )
    return session.exec(statement).first() is not None


def own_request(session: Session, device: Device, request_id: str) -> JoinRequest:
    """A request as its own device sees it; anyone else's is not found."""
    row = session.get(JoinRequest, request_id)
    if row is None or row.device_id != device.id:
        raise JoinRequestNotFound()
    return row


# Admins: deciding on requests -------------------------------------------------------------------


def pending_requests(session: Session, device: Device, circle_id: str) -> list[JoinRequest]:
    circle = member_circle(session, device, circle_id, admin=True)
    statement = (
        select(JoinRequest)
        .where(JoinRequest.circle_id == circle.id, JoinRequest.status == PENDING)
        .order_by(col(JoinRequest.created_at), col(JoinRequest.id))
    )
    return list(session.exec(statement))


def _pending_request(session: Session, circle: Circle, request_id: str) -> JoinRequest:
    statement = select(JoinRequest).where(JoinRequest.id == request_id, JoinRequest.circle_id == circle.id)
    row = session.exec(statement.with_for_update()).first()
    if row is None:
        raise JoinRequestNotFound("This circle has no such request to join. Reload the list of requests.")
    if row.status != PENDING:
        raise Conflict("not_pending", f"This request to join was {row.status} already. Reload the list of requests.")
    return row


def decline(session: Session, device: Device, circle_id: str, request_id: str) -> None:
    with serialized_writes(session):
        circle = member_circle(session, device, circle_id, admin=True, lock=True)
        row = _pending_request(session, circle, request_id)
        now = _now()
        row.status, row.decided_at = DECLINED, now
        session.add(row)
        # A single-use link is spent either way, as the apps tell the admin: otherwise the person
        # declined asks again and every admin sees it once more, as a request on a live link.
        invite = session.exec(select(Invite).where(Invite.id == row.invite_id).with_for_update()).first()
        if invite is not None and invite.max_uses == 1 and invite.revoked_at is None:
            _withdraw(session, invite, now)
        session.commit()


def approve(
    session: Session,
    settings: Settings,
    device: Device,
    circle_id: str,
    request_id: str,
    entry: dict[str, Any],
    envelopes: list[dict[str, Any]],
) -> Circle:
    """Adds the requesting device by the admin's signed ``add`` entry, all in one transaction.

    Everything is checked before anything is written: the entry must verify on the circle's log
    and add exactly the device that asked, with the joiner's key for the epoch it joins. The
    request's and the invite's new state then go into the same commit as the entry, which
    ``append_entry`` makes under the circle's lock. An entry made against an older log head
    fails there (``broken_chain``), so two approvals cannot both pass on the same log.
    """
    # Reads only until the writes at the end: on SQLite they must reach the database inside
    # append_entry's serialized section, where the session is flushed and committed.
    circle = member_circle(session, device, circle_id, admin=True, lock=True)
    row = _pending_request(session, circle, request_id)
    joiner = _requesting_identity(row)
    state = next_state(session, circle, entry)
    if joiner is None or _added_identity(entry) != joiner:
        raise Rejected(
            "entry_does_not_match_request",
            "The membership entry does not add the device that asked to join. Reload the request and try again.",
        )
    if not any(
        e["recipient"] == row.device_id and e["epoch"] == state.epoch and e["circle_id"] == circle.id for e in envelopes
    ):
        raise Rejected(
            "missing_key_envelope",
            "Approving needs the circle's current key sealed to the new member. Update the app and try again.",
        )
    invite = session.get(Invite, row.invite_id)
    siblings = session.exec(
        select(JoinRequest).where(
            JoinRequest.invite_id == row.invite_id, JoinRequest.status == PENDING, JoinRequest.id != row.id
        )
    ).all()
    with session.no_autoflush:
        now = _now()
        row.status, row.decided_at = APPROVED, now
        session.add(row)
        if invite is not None:
            invite.uses += 1
            session.add(invite)
            if invite.uses >= invite.max_uses:  # used up: nobody else gets in with this link
                for other in siblings:
                    other.status, other.decided_at = DECLINED, now
                    session.add(other)
    return append_entry(session, settings, device, circle.id, entry, envelopes)


def _requesting_identity(row: JoinRequest) -> PublicIdentity | None:
    try:
        return verify_identity(row.request["identity"])
    except (ProtocolError, KeyError, TypeError):
        return None


def _added_identity(entry: dict[str, Any]) -> PublicIdentity | None:
    """The identity an ``add`` entry adds; None for any other op. Read only after the log verified."""
    try:
        _signer, payload_bytes, _sig = signed.decode(entry)
        payload = parse_json(payload_bytes)
        if not isinstance(payload, dict) or payload.get("op") != "add":
            return None
        return verify_identity(payload["member"]["identity"])
    except (ProtocolError, KeyError, TypeError):
        return None
