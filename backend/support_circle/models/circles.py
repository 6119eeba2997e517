from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from support_circle.models.columns import ID, when, wire_object


class Circle(SQLModel, table=True):
    """A circle's counters: the server never knows its name or purpose."""

    id: str = Field(primary_key=True, max_length=ID)
    genesis_hash: str = Field(max_length=64)
    log_seq: int = 0
    head_hash: str = Field(max_length=64)
    epoch: int = 0
    # Closed by a version 2 leave (PROTOCOL.md §8): no change is taken under it until a rotate.
    epoch_closed: bool = False
    # The verified state at log_seq (services/log_head.py), so an append checks only the new
    # entry; None for a circle from before it was kept, until its next append.
    head_state: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    change_seq: int = 0
    created_at: datetime = when()


class CircleMember(SQLModel, table=True):
    """Who may see a circle now, as the verified membership log says; every scoped query starts here."""

    __tablename__ = "circle_member"

    circle_id: str = Field(foreign_key="circle.id", ondelete="CASCADE", primary_key=True, max_length=ID)
    device_id: str = Field(foreign_key="device.id", ondelete="CASCADE", primary_key=True, max_length=ID, index=True)
    role: str = Field(max_length=16)
    active: bool = True


class MembershipEntry(SQLModel, table=True):
    __tablename__ = "membership_entry"

    circle_id: str = Field(foreign_key="circle.id", ondelete="CASCADE", primary_key=True, max_length=ID)
    seq: int = Field(primary_key=True)
    entry: dict[str, Any] = wire_object()
    created_at: datetime = when()


class KeyEnvelopeRow(SQLModel, table=True):
    """An epoch key sealed to one device; only that device can open it."""

    __tablename__ = "key_envelope"

    circle_id: str = Field(foreign_key="circle.id", ondelete="CASCADE", primary_key=True, max_length=ID)
    epoch: int = Field(primary_key=True)
    recipient: str = Field(foreign_key="device.id", ondelete="CASCADE", primary_key=True, max_length=ID)
    envelope: dict[str, Any] = wire_object()
