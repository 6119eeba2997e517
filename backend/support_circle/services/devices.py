import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from support_circle.errors import Conflict, Forbidden, Rejected
from support_circle.models import Device, RegistrationCode
from support_circle.protocol import ProtocolError
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import verify_identity
from support_circle.settings import Settings


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def register_device(session: Session, settings: Settings, identity: dict[str, Any], code: str | None) -> Device:
    """The device for this identity, registered now or before (a retried registration is no error)."""
    try:
        public = verify_identity(identity)
    except ProtocolError as exc:
        raise Rejected(exc.code, "This device's identity does not check out.") from exc
    device_id = b64u(public.device_id)
    existing = session.get(Device, device_id)
    if existing is not None:
        if existing.identity != identity:
            raise Conflict("device_exists", "Another identity is registered under this device id.")
        return existing
    if settings.registration == "code":
        _use_registration_code(session, code)
    device = Device(id=device_id, identity=identity, sign_pub=public.sign_pub)
    session.add(device)
    session.commit()
    session.refresh(device)
    return device


def _use_registration_code(session: Session, code: str | None) -> None:
    if not code:
        raise Forbidden(
            "This server needs a registration code. Ask the organisation that runs it.",
            code="registration_code_required",
        )
    row = session.exec(select(RegistrationCode).where(RegistrationCode.code_hash == code_hash(code))).first()
    now = datetime.now(UTC)
    usable = row is not None and row.revoked_at is None and row.uses < row.max_uses
    if row is None or not usable or (row.expires_at is not None and _aware(row.expires_at) <= now):
        raise Forbidden(
            "That registration code is not valid (mistyped, used up, expired or revoked).",
            code="invalid_registration_code",
        )
    row.uses += 1
    session.add(row)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes even for timezone columns; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
