import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from support_circle.db import serialized_writes
from support_circle.errors import Conflict, Forbidden, Rejected
from support_circle.models import Device, RegistrationCode
from support_circle.protocol import ProtocolError
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import verify_identity
from support_circle.settings import Settings


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def register_device(
    session: Session, settings: Settings, identity: dict[str, Any], code: str | None, *, vouched: bool = False
) -> Device:
    """The device for this identity, registered now or before (a retried registration is no error).
    ``vouched``: a device already registered here asks, for a recovery identity of its own, and no
    registration code is needed.

    The same identity may arrive several times at once (a retry racing the first try): the loser
    of the insert finds the winner's row and answers with it, and gives back the code it used.
    """
    try:
        public = verify_identity(identity)
    except ProtocolError as exc:
        raise Rejected(exc.code, "This device's identity does not check out.") from exc
    device_id = b64u(public.device_id)
    with serialized_writes(session):
        existing = session.get(Device, device_id)
        if existing is not None:
            return _same_identity(existing, identity)
        if settings.registration == "code" and not vouched:
            _use_registration_code(session, code)
        session.add(Device(id=device_id, identity=identity, sign_pub=public.sign_pub))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # undoes this request's use of the code too
            existing = session.get(Device, device_id)
            if existing is None:
                raise
            return _same_identity(existing, identity)
        device = session.get(Device, device_id)
        assert device is not None
        return device


def _same_identity(existing: Device, identity: dict[str, Any]) -> Device:
    if existing.identity != identity:
        raise Conflict("device_exists", "Another identity is registered under this device id.")
    return existing


def _use_registration_code(session: Session, code: str | None) -> None:
    """Counts one use of the code, in one conditional UPDATE: of any number of registrations racing
    for its last use, exactly one changes the row; every other finds it used up."""
    if not code:
        raise Forbidden(
            "This server needs a registration code. Ask the organisation that runs it.",
            code="registration_code_required",
        )
    now = datetime.now(UTC)
    statement = (
        update(RegistrationCode)
        .where(
            col(RegistrationCode.code_hash) == code_hash(code),
            col(RegistrationCode.revoked_at).is_(None),
            col(RegistrationCode.uses) < col(RegistrationCode.max_uses),
            or_(col(RegistrationCode.expires_at).is_(None), col(RegistrationCode.expires_at) > now),
        )
        .values(uses=col(RegistrationCode.uses) + 1)
    )
    if session.connection().execute(statement).rowcount != 1:
        raise Forbidden(
            "That registration code is not valid (mistyped, used up, expired or revoked).",
            code="invalid_registration_code",
        )
