from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from support_circle.db import SessionDep
from support_circle.deps import RegistrationLimit, SettingsDep
from support_circle.errors import ErrorBody, documented
from support_circle.services.devices import register_device
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
def create_device(body: DeviceCreate, session: SessionDep, settings: SettingsDep) -> DevicePublic:
    device = register_device(session, settings, body.identity.wire(), body.registration_code)
    return DevicePublic(device_id=device.id)
