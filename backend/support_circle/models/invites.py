from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from support_circle.models.columns import ID, maybe_when, when, wire_object


class Invite(SQLModel, table=True):
    """An invite record, encrypted under a key only holders of the link can derive."""

    id: str = Field(primary_key=True, max_length=ID)
    circle_id: str = Field(foreign_key="circle.id", ondelete="CASCADE", max_length=ID, index=True)
    record: dict[str, Any] = wire_object()
    auth_pub: bytes
    max_uses: int = 1
    uses: int = 0
    created_by: str = Field(foreign_key="device.id", ondelete="CASCADE", max_length=ID)
    created_at: datetime = when()
    expires_at: datetime = when()
    revoked_at: datetime | None = maybe_when()


class JoinRequest(SQLModel, table=True):
    __tablename__ = "join_request"

    id: str = Field(primary_key=True, max_length=ID)
    invite_id: str = Field(foreign_key="invite.id", ondelete="CASCADE", max_length=ID, index=True)
    circle_id: str = Field(foreign_key="circle.id", ondelete="CASCADE", max_length=ID, index=True)
    device_id: str = Field(foreign_key="device.id", ondelete="CASCADE", max_length=ID)
    request: dict[str, Any] = wire_object()
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = when()
    decided_at: datetime | None = maybe_when()
