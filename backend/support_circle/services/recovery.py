"""Recovery escrows (PROTOCOL.md §15): a device's keys, sealed under a key only its recovery key
gives, kept for a new device to take the plan over after this one is lost.

The server keeps each escrow under the id the client derived, checks its form only, and cannot
tell whose recovery key made it. Anyone may read one by its id: the device asking has no keys yet,
the 128-bit id is the only secret, and nothing in the answer opens without the escrow key. Only
the device that first stored an escrow may replace it (another gets ``escrow_taken``) or delete it
(another gets ``not_found``, as if there were none).
"""

from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from support_circle.db import serialized_writes
from support_circle.errors import Conflict, NotFound
from support_circle.models import Device, RecoveryEscrow
from support_circle.models.columns import utcnow
from support_circle.services.sealed import check_padded, check_sealed

# A device keeps one escrow, its vault's; a few more let a new one be stored before the old goes.
MAX_ESCROWS_PER_DEVICE = 3


class EscrowNotFound(NotFound):
    message = "Nothing is kept here for this recovery key. Check the key, and that this is the right server."


class EscrowTaken(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "escrow_taken", "Another device keeps its recovery here under this id. Make a new recovery key."
        )


def put_escrow(session: Session, device: Device, escrow_id: str, escrow: dict[str, Any]) -> None:
    """Stores the escrow, or replaces the one this device stored before under the same id."""
    _check_escrow(escrow)
    try:
        _put(session, device, escrow_id, escrow)
    except IntegrityError:  # the same id, stored at the same moment by another request
        session.rollback()
        _put(session, device, escrow_id, escrow)


def _put(session: Session, device: Device, escrow_id: str, escrow: dict[str, Any]) -> None:
    with serialized_writes(session):
        row = session.exec(select(RecoveryEscrow).where(RecoveryEscrow.id == escrow_id).with_for_update()).first()
        if row is None:
            _check_room(session, device)
            row = RecoveryEscrow(id=escrow_id, owner_device_id=device.id, escrow=escrow)
        elif row.owner_device_id != device.id:
            raise EscrowTaken()
        else:
            row.escrow, row.updated_at = escrow, utcnow()
        session.add(row)
        session.commit()


def _check_escrow(escrow: dict[str, Any]) -> None:
    """Form only: the server cannot open an escrow, but it stores nothing that is not one."""
    check_padded(check_sealed(escrow["nonce"], escrow["ct"], "escrow"), "escrow")


def _check_room(session: Session, device: Device) -> None:
    held = session.exec(
        select(func.count()).select_from(RecoveryEscrow).where(RecoveryEscrow.owner_device_id == device.id)
    ).one()
    if held >= MAX_ESCROWS_PER_DEVICE:
        raise Conflict(
            "too_many_escrows",
            "This device keeps as many recovery escrows here as it may. Delete an old one first.",
        )


def read_escrow(session: Session, escrow_id: str) -> RecoveryEscrow:
    row = session.get(RecoveryEscrow, escrow_id)
    if row is None:
        raise EscrowNotFound()
    return row


def delete_escrow(session: Session, device: Device, escrow_id: str) -> None:
    """Deletes this device's escrow; one it did not store, or none, is ``not_found``."""
    with serialized_writes(session):
        row = session.exec(select(RecoveryEscrow).where(RecoveryEscrow.id == escrow_id).with_for_update()).first()
        if row is None or row.owner_device_id != device.id:
            raise EscrowNotFound("This device keeps no recovery escrow under this id here.")
        session.delete(row)
        session.commit()
