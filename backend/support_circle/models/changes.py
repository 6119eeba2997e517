from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from support_circle.models.columns import ID, when, wire_object


class Change(SQLModel, table=True):
    """One encrypted record revision in a circle's append-only log, numbered without gaps."""

    __table_args__ = (
        UniqueConstraint("circle_id", "change_id", name="uq_change_circle_change_id"),
        Index("ix_change_circle_record_seq", "circle_id", "record_id", "seq"),
    )

    circle_id: str = Field(foreign_key="circle.id", ondelete="CASCADE", primary_key=True, max_length=ID)
    seq: int = Field(primary_key=True)
    change_id: str = Field(max_length=ID)
    record_id: str = Field(max_length=ID)
    epoch: int
    envelope: dict[str, Any] = wire_object()
    size: int
    device_id: str = Field(foreign_key="device.id", ondelete="CASCADE", max_length=ID)
    created_at: datetime = when()
