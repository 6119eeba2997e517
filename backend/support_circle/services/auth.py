import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, delete, select

from support_circle.db import serialized_writes
from support_circle.errors import NotFound, Unauthorized
from support_circle.models import AuthChallenge, AuthToken, Device, ServerInfo
from support_circle.protocol import ProtocolError
from support_circle.protocol.auth import CHALLENGE_BYTES, verify_challenge
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.settings import Settings
from support_circle.token_cache import token_hash


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
    now = datetime.now(UTC)
    # One attempt per challenge, whatever its outcome: taken and deleted in one statement, so of
    # requests sent at once with the same signed challenge exactly one finds it.
    taken = delete(AuthChallenge).where(col(AuthChallenge.challenge) == challenge)
    row = session.exec(taken.returning(col(AuthChallenge.device_id), col(AuthChallenge.expires_at))).first()
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
        # The device's row first: deleting tokens locks the revocation counter (migration 0007),
        # and a purge, too, locks devices before it; the same order, so the two never deadlock.
        device.last_seen_at = now
        session.add(device)
        session.flush()
        session.exec(delete(AuthToken).where(col(AuthToken.expires_at) < now))
        session.add(AuthToken(token_hash=token_hash(token), device_id=device_id, expires_at=expires_at))
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


def sign_out(session: Session, token: str) -> None:
    session.exec(delete(AuthToken).where(col(AuthToken.token_hash) == token_hash(token)))
    session.commit()
