"""What an operator does from the command line: registration codes, content-free statistics and
the purge of inactive devices. One transaction per function; nothing here reads or prints
content, and statistics are counts only — no ids.
"""

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Mapped
from sqlmodel import Session, SQLModel, col, delete, select

from support_circle.errors import NotFound
from support_circle.models import (
    Change,
    Circle,
    CircleMember,
    Device,
    Invite,
    JoinRequest,
    MembershipEntry,
    RegistrationCode,
)
from support_circle.protocol.encoding import b64u
from support_circle.services.devices import code_hash

# Crockford's base32 without I, L, O, U: nothing a person can misread when typing it on a phone.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_GROUPS, _CODE_GROUP_LENGTH = 4, 5  # 20 characters, 100 bits
_DELETE_CHUNK = 500  # ids per DELETE ... IN (...), well under every database's parameter limit


@dataclass(frozen=True)
class CodeInfo:
    """A registration code as an operator may see it again: never the code itself."""

    id: str
    uses: int
    max_uses: int
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: RegistrationCode) -> "CodeInfo":
        return cls(row.id, row.uses, row.max_uses, row.created_at, row.expires_at, row.revoked_at)

    def usable(self, now: datetime) -> bool:
        unexpired = self.expires_at is None or self.expires_at > now
        return self.revoked_at is None and self.uses < self.max_uses and unexpired


@dataclass(frozen=True)
class Stats:
    devices: int
    circles: int
    changes: int
    membership_entries: int
    pending_join_requests: int
    bytes_stored: int


@dataclass(frozen=True)
class Totals:
    devices: int
    circles: int
    changes: int  # a circle numbers its changes without gaps, so its counter is its count
    bytes_stored: int  # ciphertext, as the devices' quotas count it


@dataclass(frozen=True)
class PurgePlan:
    """What a purge deletes (or would delete): counts only."""

    cutoff: datetime
    devices: int
    kept_devices: int  # inactive, but still linked to a circle that someone active uses
    circles: int
    changes: int
    bytes: int


def new_code() -> str:
    groups = ("".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_GROUP_LENGTH)) for _ in range(_CODE_GROUPS))
    return "-".join(groups)


def create_code(session: Session, max_uses: int, days: int | None) -> tuple[str, CodeInfo]:
    """A new code and what is stored of it (its hash only); the code cannot be shown again."""
    code = new_code()
    expires = datetime.now(UTC) + timedelta(days=days) if days is not None else None
    row = RegistrationCode(id=b64u(secrets.token_bytes(16)), code_hash=code_hash(code), max_uses=max_uses)
    row.expires_at = expires
    session.add(row)
    session.commit()
    session.refresh(row)
    return code, CodeInfo.of(row)


def list_codes(session: Session) -> list[CodeInfo]:
    rows = session.exec(select(RegistrationCode).order_by(col(RegistrationCode.created_at)))
    return [CodeInfo.of(row) for row in rows]


def revoke_code(session: Session, code_id: str) -> tuple[CodeInfo, bool]:
    """The code after revoking it, and whether it was revoked before (revoking twice is no error)."""
    row = session.get(RegistrationCode, code_id)
    if row is None:
        raise NotFound(f"No registration code has the id {code_id!r}. 'support-circle codes list' shows them.")
    already = row.revoked_at is not None
    if not already:
        row.revoked_at = datetime.now(UTC)
        session.add(row)
        session.commit()
        session.refresh(row)
    return CodeInfo.of(row), already


def stats(session: Session) -> Stats:
    def count(model: type[SQLModel], *where: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return Stats(
        devices=count(Device),
        circles=count(Circle),
        changes=count(Change),
        membership_entries=count(MembershipEntry),
        pending_join_requests=count(JoinRequest, col(JoinRequest.status) == "pending"),
        bytes_stored=int(session.scalar(select(func.sum(Change.size))) or 0),
    )


def totals(session: Session) -> Totals:
    """Cheap running totals for monitoring: small tables and counters, no scan of the change log."""
    return Totals(
        devices=int(session.scalar(select(func.count()).select_from(Device)) or 0),
        circles=int(session.scalar(select(func.count()).select_from(Circle)) or 0),
        changes=int(session.scalar(select(func.sum(Circle.change_seq))) or 0),
        bytes_stored=int(session.scalar(select(func.sum(Device.bytes_stored))) or 0),
    )


def purge_inactive(session: Session, days: int, *, apply: bool) -> PurgePlan:
    """Deletes devices not seen for ``days`` days, and the circles only they were in.

    Foreign keys cascade the rest: a device's tokens, challenges, memberships, key envelopes,
    invites, join requests and recovery escrows; a circle's changes, log, key envelopes and invites.

    A device that is still linked to a circle someone active uses — as a member, even a removed
    one, or as the author of changes or invites there — is kept: deleting it would cut holes in
    that circle's change log, and a membership log that still names it could no longer grow.
    Such a device stays as long as that circle does.

    With ``apply`` false nothing is changed; the plan says what would go.
    """
    cutoff = datetime.now(UTC) - timedelta(days=days)
    inactive = set(session.exec(select(Device.id).where(col(Device.last_seen_at) < cutoff).with_for_update()))
    purged, circles = _settle(session, inactive)
    changes, size = _change_totals(session, circles)
    plan = PurgePlan(cutoff, len(purged), len(inactive) - len(purged), len(circles), changes, size)
    if not apply:
        session.rollback()
        return plan
    _release_quota(session, circles, purged)
    _delete_ids(session, Circle, col(Circle.id), circles)
    _delete_ids(session, Device, col(Device.id), purged)
    session.commit()
    return plan


def _settle(session: Session, inactive: set[str]) -> tuple[set[str], set[str]]:
    """The devices to purge and the circles that go with them.

    A circle stays while one of its active members stays; a device stays while it is linked to
    a circle that stays. Keeping a device can keep more circles, so repeat until nothing moves.
    """
    members = list(session.exec(select(CircleMember.circle_id, CircleMember.device_id, CircleMember.active)))
    links = [(circle, device) for circle, device, _ in members] + _authors(session)
    touched = {circle for circle, device in links if device in inactive}
    purged = set(inactive)
    while True:
        staying = {circle for circle, device, active in members if active and device not in purged}
        circles = touched - staying
        keep = {device for circle, device in links if device in purged and circle not in circles}
        if not keep:
            return purged, circles
        purged -= keep


def _authors(session: Session) -> list[tuple[str, str]]:
    changes = select(Change.circle_id, Change.device_id).distinct()
    invites = select(Invite.circle_id, Invite.created_by).distinct()
    return [*session.exec(changes), *session.exec(invites)]


def _change_totals(session: Session, circles: set[str]) -> tuple[int, int]:
    count, size = 0, 0
    for chunk in _chunks(circles):
        totals = select(func.count(), func.coalesce(func.sum(Change.size), 0))
        more, bigger = session.exec(totals.where(col(Change.circle_id).in_(chunk))).one()
        count, size = count + more, size + int(bigger)
    return count, size


def _release_quota(session: Session, circles: set[str], purged: set[str]) -> None:
    """Devices that stay get back the quota their changes in purged circles used."""
    for chunk in _chunks(circles):
        statement = (
            select(Change.device_id, func.sum(Change.size))
            .where(col(Change.circle_id).in_(chunk))
            .group_by(col(Change.device_id))
        )
        for device_id, size in session.exec(statement).all():
            device = None if device_id in purged else session.get(Device, device_id)
            if device is not None:
                device.bytes_stored = max(0, device.bytes_stored - int(size))
                session.add(device)
    session.flush()


def _delete_ids(session: Session, model: type[SQLModel], column: Mapped[str], ids: set[str]) -> None:
    for chunk in _chunks(ids):
        session.exec(delete(model).where(column.in_(chunk)))


def _chunks(ids: Iterable[str]) -> Iterable[Sequence[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _DELETE_CHUNK):
        yield ordered[start : start + _DELETE_CHUNK]
