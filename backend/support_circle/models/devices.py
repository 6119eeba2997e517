from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from support_circle.models.columns import ID, maybe_when, when, wire_object


class Device(SQLModel, table=True):
    """A device's public keys: no name, e-mail, phone number or address."""

    id: str = Field(primary_key=True, max_length=ID)
    identity: dict[str, Any] = wire_object()
    sign_pub: bytes
    created_at: datetime = when()
    last_seen_at: datetime = when(index=True)
    bytes_stored: int = 0


class RegistrationCode(SQLModel, table=True):
    """An organisation-issued code that lets one or more devices register; kept only as a hash."""

    __tablename__ = "registration_code"

    id: str = Field(primary_key=True, max_length=ID)
    code_hash: str = Field(unique=True, max_length=64)
    max_uses: int = 1
    uses: int = 0
    created_at: datetime = when()
    expires_at: datetime | None = maybe_when()
    revoked_at: datetime | None = maybe_when()


class AuthChallenge(SQLModel, table=True):
    __tablename__ = "auth_challenge"

    challenge: str = Field(primary_key=True, max_length=64)
    device_id: str = Field(foreign_key="device.id", ondelete="CASCADE", max_length=ID)
    expires_at: datetime = when(index=True)


class AuthToken(SQLModel, table=True):
    """A bearer token, stored only as its SHA-256: a database dump cannot be replayed as a login."""

    __tablename__ = "auth_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    device_id: str = Field(foreign_key="device.id", ondelete="CASCADE", max_length=ID, index=True)
    expires_at: datetime = when(index=True)


class TokenRevocation(SQLModel, table=True):
    """One row whose ``epoch`` grows whenever a bearer token ends before its time (signed out,
    replaced by a newer one, its device purged): a database trigger on ``auth_token`` counts every
    such delete, cascades included. Each server process keeps its sign-ins cached only while this
    number stays the same (``token_cache.py``); on PostgreSQL the trigger also notifies them."""

    __tablename__ = "token_revocation"

    id: int = Field(primary_key=True)
    epoch: int = Field(default=0, sa_type=BigInteger)
