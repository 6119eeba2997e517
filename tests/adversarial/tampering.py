"""The malicious server's hands: edits of the real database behind the real app's back.

Each function is one thing an operator (or whoever compels one) could do to the stored rows. They
write through their own session and commit, as a second process on the database would.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from support_circle.models import (
    Change,
    Circle,
    Invite,
    JoinRequest,
    KeyEnvelopeRow,
    MembershipEntry,
    RecoveryEscrow,
)
from support_circle.protocol import primitives
from support_circle.protocol.encoding import b64u
from support_circle.protocol.padding import BUCKETS

Envelope = dict[str, Any]


def unreadable_envelope(circle_id: bytes, epoch: int, record_id: bytes | None = None) -> Envelope:
    """A record of random bytes the size of a sealed padded one: what a hostile member (or the
    server) can push, which no check the server can make tells from a real record."""
    return {
        "v": 1,
        "circle_id": b64u(circle_id),
        "record_id": b64u(record_id or primitives.random_bytes(16)),
        "epoch": epoch,
        "nonce": b64u(primitives.random_bytes(12)),
        "ct": b64u(primitives.random_bytes(BUCKETS[0] + primitives.TAG_BYTES)),
    }


def changes(engine: Engine, circle_id: str) -> list[Change]:
    with Session(engine) as session:
        statement = select(Change).where(Change.circle_id == circle_id).order_by(col(Change.seq))
        return list(session.exec(statement))


def edit_change(engine: Engine, circle_id: str, seq: int, edit: Callable[[Envelope], Envelope]) -> None:
    """Rewrites one stored change's envelope in place (a new dict: JSON columns track assignment)."""
    with Session(engine) as session:
        row = session.get(Change, (circle_id, seq))
        assert row is not None
        row.envelope = edit(dict(row.envelope))
        session.add(row)
        session.commit()


def append_change(engine: Engine, circle_id: str, envelope: Envelope, device_id: str) -> int:
    """Adds ``envelope`` to the circle's change log as a new change the server says it received."""
    with Session(engine) as session:
        circle = session.get(Circle, circle_id)
        assert circle is not None
        circle.change_seq += 1
        session.add(
            Change(
                circle_id=circle_id,
                seq=circle.change_seq,
                change_id=b64u(primitives.random_bytes(16)),
                record_id=envelope["record_id"],
                epoch=envelope["epoch"],
                envelope=envelope,
                size=len(envelope["ct"]),
                device_id=device_id,
            )
        )
        session.add(circle)
        session.commit()
        return circle.change_seq


def truncate_changes(engine: Engine, circle_id: str, keep: int) -> None:
    """Forgets every change after ``keep`` and numbers the log as if they had never come."""
    with Session(engine) as session:
        for row in session.exec(select(Change).where(Change.circle_id == circle_id, col(Change.seq) > keep)):
            session.delete(row)
        circle = session.get(Circle, circle_id)
        assert circle is not None
        circle.change_seq = keep
        session.add(circle)
        session.commit()


def log_entries(engine: Engine, circle_id: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        statement = select(MembershipEntry).where(MembershipEntry.circle_id == circle_id)
        return [row.entry for row in session.exec(statement.order_by(col(MembershipEntry.seq)))]


def rewrite_log(engine: Engine, circle_id: str, entries: list[dict[str, Any]], head: tuple[int, bytes]) -> None:
    """Replaces the stored membership log by ``entries`` and sets the circle's counters to ``head``,
    as a careful attacker would, so the counters alone give nothing away."""
    with Session(engine) as session:
        for row in session.exec(select(MembershipEntry).where(MembershipEntry.circle_id == circle_id)):
            session.delete(row)
        session.flush()
        for seq, entry in enumerate(entries):
            session.add(MembershipEntry(circle_id=circle_id, seq=seq, entry=entry))
        circle = session.get(Circle, circle_id)
        assert circle is not None
        circle.log_seq, circle.head_hash = head[0], b64u(head[1])
        session.add(circle)
        session.commit()


def replace_key_envelope(engine: Engine, circle_id: str, epoch: int, recipient: str, envelope: Envelope) -> None:
    with Session(engine) as session:
        row = session.get(KeyEnvelopeRow, (circle_id, epoch, recipient))
        assert row is not None
        row.envelope = envelope
        session.add(row)
        session.commit()


def delete_key_envelope(engine: Engine, circle_id: str, epoch: int, recipient: str) -> None:
    with Session(engine) as session:
        row = session.get(KeyEnvelopeRow, (circle_id, epoch, recipient))
        assert row is not None
        session.delete(row)
        session.commit()


def key_envelope(engine: Engine, circle_id: str, epoch: int, recipient: str) -> Envelope:
    with Session(engine) as session:
        row = session.get(KeyEnvelopeRow, (circle_id, epoch, recipient))
        assert row is not None
        return dict(row.envelope)


def add_join_request(engine: Engine, circle_id: str, invite_id: str, device_id: str, request: Envelope) -> str:
    """A pending request to join that no one who holds the invite link made."""
    request_id = b64u(primitives.random_bytes(16))
    with Session(engine) as session:
        session.add(
            JoinRequest(id=request_id, invite_id=invite_id, circle_id=circle_id, device_id=device_id, request=request)
        )
        session.commit()
    return request_id


def stored_escrow(engine: Engine, escrow_id: str) -> Envelope | None:
    """The escrow the server keeps under ``escrow_id``, as an operator would copy it aside."""
    with Session(engine) as session:
        row = session.get(RecoveryEscrow, escrow_id)
        return None if row is None else dict(row.escrow)


def restore_escrow(engine: Engine, escrow_id: str, owner: str, escrow: Envelope) -> None:
    """Serves ``escrow`` under ``escrow_id`` again: an old copy, kept aside, put back."""
    with Session(engine) as session:
        row = session.get(RecoveryEscrow, escrow_id) or RecoveryEscrow(id=escrow_id, owner_device_id=owner, escrow={})
        row.escrow = escrow
        session.add(row)
        session.commit()


def envelope_recipients(engine: Engine, circle_id: str, epoch: int) -> set[str]:
    """Every device an epoch key was ever sealed to, whatever the server would let it fetch."""
    with Session(engine) as session:
        statement = select(KeyEnvelopeRow).where(KeyEnvelopeRow.circle_id == circle_id, KeyEnvelopeRow.epoch == epoch)
        return {row.recipient for row in session.exec(statement)}


def add_invite(engine: Engine, circle_id: str, record: Envelope, auth_pub: bytes, created_by: str) -> None:
    """An invite row for a link the server was handed by someone other than the admins: a week to live."""
    with Session(engine) as session:
        session.add(
            Invite(
                id=record["invite_id"],
                circle_id=circle_id,
                record=record,
                auth_pub=auth_pub,
                created_by=created_by,
                expires_at=datetime.now(UTC) + timedelta(days=7),
            )
        )
        session.commit()


def drop_change(engine: Engine, circle_id: str, seq: int) -> None:
    """Forgets one stored change and leaves the log's numbering as it was: a gap no cursor shows."""
    with Session(engine) as session:
        row = session.get(Change, (circle_id, seq))
        assert row is not None
        session.delete(row)
        session.commit()
