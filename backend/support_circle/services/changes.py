"""The per-circle change log: pushes are all-or-nothing, idempotent by change id, and numbered
without gaps; pulls page by cursor over an indexed sequence."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from support_circle.db import serialized_writes
from support_circle.errors import Conflict, Rejected, TooLarge
from support_circle.events import Event, announce
from support_circle.models import Change, Circle, Device, KeyEnvelopeRow
from support_circle.protocol.encoding import unb64u
from support_circle.services.circles import member_circle
from support_circle.services.sealed import check_padded
from support_circle.settings import Settings


@dataclass(frozen=True)
class PushItem:
    change_id: str
    record_id: str
    base_seq: int | None
    envelope: dict[str, Any]


def push(session: Session, settings: Settings, device: Device, circle_id: str, items: list[PushItem]) -> list[int]:
    """The sequence number of each change, in order. A retried change keeps its first number.

    The whole batch is applied or none of it: a stale base (someone else changed the record
    first) or an old epoch is a 409 whose details name every change concerned.
    """
    if len(items) > settings.max_batch:
        raise TooLarge("batch_too_large", f"Push at most {settings.max_batch} changes at once.")
    _check_distinct(items)
    with serialized_writes(session):
        circle = member_circle(session, device, circle_id, lock=True)
        # Pushes to the device's other circles charge the same row at the same time: lock it and
        # read it afresh, or one push's bytes overwrite another's and the quota stops counting.
        session.refresh(device, with_for_update=True)
        existing = _already_pushed(session, circle_id, [i.change_id for i in items])
        new = [i for i in items if i.change_id not in existing]
        for item in items:
            if item.change_id in existing and existing[item.change_id].envelope != item.envelope:
                raise Conflict("change_id_reused", "A change id was used before for different data.")
        _check_new(session, settings, circle.id, circle.epoch, device, new)
        seqs: dict[str, int] = {cid: row.seq for cid, row in existing.items()}
        added = 0
        for item in new:
            circle.change_seq += 1
            size = _size(item.envelope)
            added += size
            seqs[item.change_id] = circle.change_seq
            session.add(
                Change(
                    circle_id=circle.id,
                    seq=circle.change_seq,
                    change_id=item.change_id,
                    record_id=item.record_id,
                    epoch=item.envelope["epoch"],
                    envelope=item.envelope,
                    size=size,
                    device_id=device.id,
                )
            )
        device.bytes_stored += added
        session.add(circle)
        session.add(device)
        if new:
            announce(session, Event("changes", circle.id, circle.change_seq))
        session.commit()
        return [seqs[i.change_id] for i in items]


def _check_distinct(items: list[PushItem]) -> None:
    """One push names each change once: a change id twice would be two rows under one id."""
    if len({item.change_id for item in items}) != len(items):
        raise Rejected("duplicate_change_id", "A push names the same change twice. Update the app and try again.")


def _already_pushed(session: Session, circle_id: str, change_ids: list[str]) -> dict[str, Change]:
    statement = select(Change).where(Change.circle_id == circle_id, col(Change.change_id).in_(change_ids))
    return {row.change_id: row for row in session.exec(statement)}


def _size(envelope: dict[str, Any]) -> int:
    return len(unb64u(envelope["ct"]))


def _check_new(
    session: Session, settings: Settings, circle_id: str, epoch: int, device: Device, new: list[PushItem]
) -> None:
    stale_epoch = [
        {"change_id": i.change_id, "record_id": i.record_id, "epoch": i.envelope["epoch"]}
        for i in new
        if i.envelope["epoch"] != epoch
    ]
    if stale_epoch:
        message = "The circle's key has changed. Fetch the new key, re-encrypt these changes and push again."
        raise Conflict("stale_epoch", message, details=stale_epoch)
    for item in new:
        sealed = unb64u(item.envelope["ct"])
        if len(sealed) > settings.max_record_bytes:
            raise TooLarge("record_too_large", f"A record may hold at most {settings.max_record_bytes} bytes.")
        check_padded(sealed, "record")
    total = sum(_size(i.envelope) for i in new)
    if device.bytes_stored + total > settings.device_quota_bytes:
        raise TooLarge(
            "quota_exceeded", "This device has used its storage on this server. Ask the organisation for more."
        )
    # Each change must build on the record's newest revision, counting earlier ones in this batch.
    latest = _latest_seqs(session, circle_id, [i.record_id for i in new])
    next_seq = _next_seq(session, circle_id)
    stale = []
    for offset, item in enumerate(new):
        if latest.get(item.record_id) != item.base_seq:
            stale.append(
                {
                    "change_id": item.change_id,
                    "record_id": item.record_id,
                    "base_seq": item.base_seq,
                    "current_seq": latest.get(item.record_id),
                }
            )
        latest[item.record_id] = next_seq + offset
    if stale:
        raise Conflict("stale_base", "Someone changed these records first. Pull, merge and push again.", details=stale)


def _next_seq(session: Session, circle_id: str) -> int:
    circle = session.get(Circle, circle_id)
    assert circle is not None
    return circle.change_seq + 1


def _latest_seqs(session: Session, circle_id: str, record_ids: list[str]) -> dict[str, int]:
    statement = (
        select(Change.record_id, func.max(Change.seq))
        .where(Change.circle_id == circle_id, col(Change.record_id).in_(record_ids))
        .group_by(col(Change.record_id))
    )
    return {record_id: seq for record_id, seq in session.exec(statement)}


def pull(
    session: Session, settings: Settings, device: Device, circle_id: str, since: int, limit: int
) -> tuple[list[Change], bool]:
    """Changes after ``since``, oldest first, and whether that was all of them.

    A page holds at most ``limit`` changes and ``max_page_bytes`` of ciphertext (always at least
    one change): sizes are read first, so only the changes that fit are loaded into memory.
    """
    circle = member_circle(session, device, circle_id)
    after = (Change.circle_id == circle.id, col(Change.seq) > since)
    sizes = session.exec(select(Change.seq, Change.size).where(*after).order_by(col(Change.seq)).limit(limit + 1)).all()
    count = _fitting([size for _, size in sizes[:limit]], settings.max_page_bytes)
    if count == 0:
        return [], True
    last = sizes[count - 1][0]
    rows = list(session.exec(select(Change).where(*after, col(Change.seq) <= last).order_by(col(Change.seq))))
    return rows, count == len(sizes)


def _fitting(sizes: list[int], max_bytes: int) -> int:
    """How many of ``sizes``, from the first, fit in ``max_bytes`` together (at least one)."""
    total = 0
    for count, size in enumerate(sizes):
        total += size
        if total > max_bytes:
            return max(count, 1)
    return len(sizes)


def held_epochs(session: Session, device: Device, circle_id: str) -> set[int]:
    """The epochs whose key the server holds for this device: of their changes, it is told the sender."""
    statement = select(KeyEnvelopeRow.epoch).where(
        KeyEnvelopeRow.circle_id == circle_id, KeyEnvelopeRow.recipient == device.id
    )
    return set(session.exec(statement))
