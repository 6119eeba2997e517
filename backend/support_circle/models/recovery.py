from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from support_circle.models.columns import ID, when, wire_object


class RecoveryEscrow(SQLModel, table=True):
    """A device's recovery escrow (PROTOCOL.md §15): ciphertext under an id derived from a recovery
    key. The server cannot open it, and cannot tell whose recovery key it belongs to."""

    __tablename__ = "recovery_escrow"

    id: str = Field(primary_key=True, max_length=ID)
    # The device that first stored it, and alone may replace or delete it; gone with that device.
    owner_device_id: str = Field(foreign_key="device.id", ondelete="CASCADE", max_length=ID, index=True)
    escrow: dict[str, Any] = wire_object()
    created_at: datetime = when()
    updated_at: datetime = when()
