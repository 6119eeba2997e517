import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete, select

from support_circle.errors import NotFound, Unauthorized
from support_circle.models import AuthChallenge, AuthToken, Device, ServerInfo
from support_circle.protocol import ProtocolError
from support_circle.protocol.auth import CHALLENGE_BYTES, verify_challenge
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.services.devices import _aware


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_challenge(session: Session, device_id: str, ttl_seconds: int) -> AuthChallenge:
    if session.get(Device, device_id) is None:
        raise NotFound("This device is not registered here. Register it first.")
    now = datetime.now(UTC)
    session.exec(delete(AuthChallenge).where(col(AuthChallenge.expires_at) < now))
    challenge = AuthChallenge(
        challenge=b64u(secrets.token_bytes(CHALLENGE_BYTES)),
        device_id=device_id,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    session.add(challenge)
    session.commit()
    session.refresh(challenge)
    return challenge


def sign_in(session: Session, device_id: str, challenge: str, signature: str, ttl_seconds: int) -> tuple[str, datetime]:
    """A fresh bearer token, once the device's signature over the one-time challenge checks out."""
    row = session.get(AuthChallenge, challenge)
    now = datetime.now(UTC)
    if row is not None:
        session.delete(row)  # one attempt per challenge, whatever its outcome
        session.commit()
    if row is None or row.device_id != device_id or _aware(row.expires_at) <= now:
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
    expires_at = now + timedelta(seconds=ttl_seconds)
    session.exec(delete(AuthToken).where(col(AuthToken.expires_at) < now))
    session.add(AuthToken(token_hash=_token_hash(token), device_id=device_id, expires_at=expires_at))
    device.last_seen_at = now
    session.add(device)
    session.commit()
    return token, expires_at


def device_for_token(session: Session, token: str) -> Device | None:
    row = session.get(AuthToken, _token_hash(token))
    if row is None or _aware(row.expires_at) <= datetime.now(UTC):
        return None
    return session.exec(select(Device).where(Device.id == row.device_id)).first()


def sign_out(session: Session, token: str) -> None:
    session.exec(delete(AuthToken).where(col(AuthToken.token_hash) == _token_hash(token)))
    session.commit()
