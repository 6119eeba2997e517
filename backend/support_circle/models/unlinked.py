from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from support_circle.models.columns import ID, when, wire_object


class UnlinkedNotice(SQLModel, table=True):
    """A signed word, from one of the person's devices, that it removed this device from their
    personal circle (PROTOCOL.md §17): the one thing the removed device may still read about it."""

    __tablename__ = "unlinked_notice"

    # Gone with the removed device; not with the circle or the signer, whose purge must not
    # take away the one proof that lets a lost device wipe itself.
    device_id: str = Field(foreign_key="device.id", ondelete="CASCADE", primary_key=True, max_length=ID)
    circle_id: str = Field(primary_key=True, max_length=ID)
    notice: dict[str, Any] = wire_object()
    created_at: datetime = when()
