from typing import Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from support_circle.api.counters import CirclePublic
from support_circle.db import EngineDep, SessionDep
from support_circle.deps import CurrentDevice, SettingsDep, SignedInDeviceId
from support_circle.errors import ErrorBody
from support_circle.services import circles
from support_circle.wire import Id, KeyEnvelope, SignedObject

router = APIRouter(prefix="/circles", tags=["circles"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


class CircleCreate(BaseModel):
    circle_id: Id
    genesis: SignedObject
    key_envelope: KeyEnvelope = Field(description="The first epoch key, sealed to the creating device.")


class CircleList(BaseModel):
    data: list[CirclePublic]


class LogAppend(BaseModel):
    entry: SignedObject
    key_envelopes: list[KeyEnvelope] = Field(default_factory=list, max_length=1000)


class LogPublic(BaseModel):
    data: list[SignedObject]


class KeysAdd(BaseModel):
    key_envelopes: list[KeyEnvelope] = Field(max_length=1000)


class KeysPublic(BaseModel):
    data: list[KeyEnvelope]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Create a circle from its signed genesis", responses=ERRORS
)
def create_circle(
    body: CircleCreate, session: SessionDep, settings: SettingsDep, device: CurrentDevice
) -> CirclePublic:
    genesis, envelope = body.genesis.wire(), body.key_envelope.wire()
    circle = circles.create_circle(session, settings, device, body.circle_id, genesis, envelope)
    return CirclePublic.of(circle)


@router.get("", summary="The circles this device is a member of")
def list_circles(session: SessionDep, device: CurrentDevice) -> CircleList:
    return CircleList(data=[CirclePublic.of(c) for c in circles.circles_of(session, device)])


@router.get("/{circle_id}", summary="One circle's counters", responses=ERRORS)
async def read_circle(circle_id: Id, engine: EngineDep, device_id: SignedInDeviceId) -> CirclePublic:
    # Async, with its one read in one worker thread: a client asks for this before every send.
    return CirclePublic.of(await run_in_threadpool(circles.counters, engine, device_id, circle_id))


@router.get("/{circle_id}/log", summary="The signed membership log, oldest first", responses=ERRORS)
def read_log(
    circle_id: Id, session: SessionDep, device: CurrentDevice, since: int = Query(-1, ge=-1, le=2**31 - 1)
) -> LogPublic:
    circle = circles.member_circle(session, device, circle_id)
    return LogPublic(data=[SignedObject.model_validate(e) for e in circles.log_entries(session, circle, since)])


@router.post("/{circle_id}/log", summary="Append one signed membership entry", responses=ERRORS)
def append_log(
    circle_id: Id, body: LogAppend, session: SessionDep, settings: SettingsDep, device: CurrentDevice
) -> CirclePublic:
    envelopes = [e.wire() for e in body.key_envelopes]
    return CirclePublic.of(circles.append_entry(session, settings, device, circle_id, body.entry.wire(), envelopes))


@router.get("/{circle_id}/keys", summary="The epoch keys sealed to this device", responses=ERRORS)
def read_keys(circle_id: Id, session: SessionDep, device: CurrentDevice) -> KeysPublic:
    circle = circles.member_circle(session, device, circle_id)
    return KeysPublic(data=[KeyEnvelope.model_validate(e) for e in circles.envelopes_for(session, device, circle)])


@router.post(
    "/{circle_id}/keys", status_code=status.HTTP_204_NO_CONTENT, summary="Add key envelopes (admins)", responses=ERRORS
)
def add_keys(circle_id: Id, body: KeysAdd, session: SessionDep, settings: SettingsDep, device: CurrentDevice) -> None:
    circles.add_envelopes(session, settings, device, circle_id, [e.wire() for e in body.key_envelopes])
