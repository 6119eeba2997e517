"""Unlinked notices (PROTOCOL.md §17): an admin tells a device it removed; that device, which can
still sign in, reads them and nothing else about the circle."""

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from support_circle.db import SessionDep
from support_circle.deps import CurrentDevice
from support_circle.errors import ErrorBody
from support_circle.services import unlinked
from support_circle.wire import Id, SignedObject

router = APIRouter(tags=["unlinked"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "`not_admin`."},
    404: {"model": ErrorBody, "description": "`not_found`: no such circle for this device."},
    422: {"model": ErrorBody, "description": "`not_removed`, or the protocol's code for a refused notice."},
}


class UnlinkedNoticePut(BaseModel):
    notice: SignedObject


class UnlinkedNoticeList(BaseModel):
    data: list[SignedObject]


@router.put(
    "/circles/{circle_id}/unlinked/{device_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Leave a device this admin removed the signed notice of its removal",
    responses=ERRORS,
)
def put_notice(
    circle_id: Id, device_id: Id, body: UnlinkedNoticePut, session: SessionDep, device: CurrentDevice
) -> None:
    unlinked.put_notice(session, device, circle_id, device_id, body.notice.wire())


@router.get("/unlinked", summary="The notices of this device's removal from circles")
def read_notices(session: SessionDep, device: CurrentDevice) -> UnlinkedNoticeList:
    return UnlinkedNoticeList(data=[SignedObject.model_validate(n) for n in unlinked.notices_for(session, device)])
