import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, delete, select

from support_circle.db import reading, retried_if_disconnected, serialized_writes
from support_circle.errors import NotFound, Unauthorized
from support_circle.models import AuthChallenge, AuthToken, Device, ServerInfo
from support_circle.protocol import ProtocolError
from support_circle.protocol.auth import CHALLENGE_BYTES, verify_challenge
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.settings import Settings


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_challenge(session: Session, settings: Settings, device_id: str) -> AuthChallenge:
    """A new challenge for the device; past ``max_challenges_per_device`` waiting, the oldest go.

    Anyone may ask for a device's challenge, so what one device's challenges may hold is bounded
    here rather than by who asks.
    """
    if session.get(Device, device_id) is None:
        raise NotFound("This device is not registered here. Register it first.")
    now = datetime.now(UTC)
    with serialized_writes(session):
        session.exec(delete(AuthChallenge).where(col(AuthChallenge.expires_at) < now))
        challenge = AuthChallenge(
            challenge=b64u(secrets.token_bytes(CHALLENGE_BYTES)),
            device_id=device_id,
            expires_at=now + timedelta(seconds=settings.challenge_ttl_seconds),
        )
        session.add(challenge)
        session.flush()
        _keep_newest(
            session, AuthChallenge, col(AuthChallenge.challenge), device_id, settings.max_challenges_per_device
        )
        session.commit()
    session.refresh(challenge)
    return challenge


def sign_in(
    session: Session, settings: Settings, device_id: str, challenge: str, signature: str
) -> tuple[str, datetime]:
    """A fresh bearer token, once the device's signature over the one-time challenge checks out.

    A device keeps at most ``max_tokens_per_device`` tokens: issuing one more ends the oldest.
    """
    row = session.get(AuthChallenge, challenge)
    now = datetime.now(UTC)
    if row is not None:
        session.delete(row)  # one attempt per challenge, whatever its outcome
        session.commit()
    if row is None or row.device_id != device_id or row.expires_at <= now:
        raise Unauthorized("That sign-in challenge is unknown or expired. Ask for a new one.")
    device = session.get(Device, device_id)
    server = session.get(ServerInfo, 1)
    if device is None or server is None:
        raise Unauthorized()
    try:
        verify_challenge(device.sign_pub, unb64u(server.server_id, 16), unb64u(challenge), unb64u(signature))
    except ProtocolError as exc:
        raise Unauthorized("The sign-in signature does not match this device's key.") from exc
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=settings.token_ttl_seconds)
    with serialized_writes(session):
        session.exec(delete(AuthToken).where(col(AuthToken.expires_at) < now))
        session.add(AuthToken(token_hash=_token_hash(token), device_id=device_id, expires_at=expires_at))
        device.last_seen_at = now
        session.add(device)
        session.flush()
        _keep_newest(session, AuthToken, col(AuthToken.token_hash), device_id, settings.max_tokens_per_device)
        session.commit()
    return token, expires_at


def _keep_newest(
    session: Session, model: type[AuthToken] | type[AuthChallenge], key: Mapped[str], device_id: str, keep: int
) -> None:
    """Deletes the device's rows of ``model`` but the ``keep`` that expire last."""
    expires = col(model.expires_at)
    older = select(key).where(col(model.device_id) == device_id).order_by(expires.desc(), key.desc()).offset(keep)
    stale = list(session.exec(older))
    if stale:
        session.exec(delete(model).where(key.in_(stale)))


def device_for_token(session: Session, token: str) -> Device | None:
    statement = (
        select(Device)
        .join(AuthToken, col(AuthToken.device_id) == col(Device.id))
        .where(AuthToken.token_hash == _token_hash(token), col(AuthToken.expires_at) > datetime.now(UTC))
    )
    return session.exec(statement).first()


_token = AuthToken.__table__  # type: ignore[attr-defined]
_DEVICE_ID_FOR_TOKEN = sa.select(_token.c.device_id).where(
    _token.c.token_hash == sa.bindparam("token_hash"), _token.c.expires_at > sa.bindparam("now")
)


def device_id_for_token(engine: Engine, token: str) -> str | None:
    """The id of the device signed in by ``token``, for routes whose service reads the device's
    row itself: one statement on a connection of its own (the token's row names its device, and
    goes with it), so one round trip on PostgreSQL; it only reads, so a dead connection is retried."""
    parameters = {"token_hash": _token_hash(token), "now": datetime.now(UTC)}

    def read() -> str | None:
        with reading(engine) as connection:
            device_id: str | None = connection.execute(_DEVICE_ID_FOR_TOKEN, parameters).scalar()
            return device_id

    return retried_if_disconnected(read)


def sign_out(session: Session, token: str) -> None:
    session.exec(delete(AuthToken).where(col(AuthToken.token_hash) == _token_hash(token)))
    session.commit()
