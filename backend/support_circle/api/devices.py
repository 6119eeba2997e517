from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field
from sqlmodel import Session

from support_circle.db import SessionDep
from support_circle.deps import RegistrationLimit, SettingsDep
from support_circle.errors import ErrorBody, documented
from support_circle.services.devices import register_device
from support_circle.token_cache import SignInCache, token_hash
from support_circle.wire import Id, SignedObject

router = APIRouter(tags=["devices"])


class DeviceCreate(BaseModel):
    identity: SignedObject
    registration_code: str | None = Field(None, max_length=200, description="Needed when the server asks for one.")


class DevicePublic(BaseModel):
    device_id: Id


@router.post(
    "/devices",
    status_code=status.HTTP_201_CREATED,
    dependencies=[RegistrationLimit],
    summary="Register a device by its public keys (no name, e-mail or phone number)",
    responses={403: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}, **documented(429)},
)
def create_device(body: DeviceCreate, request: Request, session: SessionDep, settings: SettingsDep) -> DevicePublic:
    """A registration signed in as a device this server knows needs no code: that device registers
    a recovery identity of its own (PROTOCOL.md §15), and was admitted under the policy already."""
    vouched = _signed_in(request, session)
    device = register_device(session, settings, body.identity.wire(), body.registration_code, vouched=vouched)
    return DevicePublic(device_id=device.id)


def _signed_in(request: Request, session: Session) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    # Straight from the database: registrations are rare, and this runs in a worker thread.
    sign_ins: SignInCache = request.app.state.sign_ins
    return sign_ins.read(token_hash(token.strip()), None) is not None
