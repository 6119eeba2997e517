"""Invites and requests to join (PROTOCOL.md §9): admins make and withdraw invites and decide on
requests; a device holding a link reads the invite and asks to join."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import AwareDatetime, BaseModel, Field

from support_circle.api.counters import CirclePublic
from support_circle.db import SessionDep
from support_circle.deps import CurrentDevice, SettingsDep
from support_circle.errors import ErrorBody
from support_circle.models import Invite, JoinRequest
from support_circle.services import invites
from support_circle.wire import Id, InviteRecord, Key32, KeyEnvelope, SignedObject
from support_circle.wire import JoinRequest as JoinRequestWire

router = APIRouter(tags=["invites"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody},
    404: {"model": ErrorBody},
    409: {"model": ErrorBody},
    413: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


class InviteCreate(BaseModel):
    record: InviteRecord
    auth_pub: Key32 = Field(description="The Ed25519 key derived from the link's secret; it checks join proofs.")
    expires_at: AwareDatetime = Field(description="At most 30 days ahead.")
    max_uses: int = Field(1, ge=1, le=invites.MAX_USES, description="How many people may join with this link.")


class InviteAdminView(BaseModel):
    """What the circle's admins see of an invite (never its secret, which the server never has)."""

    invite_id: Id
    expires_at: datetime
    max_uses: int
    uses: int
    revoked: bool

    @classmethod
    def of(cls, invite: Invite) -> "InviteAdminView":
        return cls(
            invite_id=invite.id,
            expires_at=invite.expires_at,
            max_uses=invite.max_uses,
            uses=invite.uses,
            revoked=invite.revoked_at is not None,
        )


class InviteList(BaseModel):
    data: list[InviteAdminView]


class InvitePublic(BaseModel):
    """What a link holder fetches: the encrypted record only it can open."""

    invite_id: Id
    record: InviteRecord


class JoinRequestCreate(BaseModel):
    request: JoinRequestWire


class JoinRequestStatus(BaseModel):
    request_id: Id
    invite_id: Id
    status: str = Field(description="pending, approved or declined.")

    @classmethod
    def of(cls, row: JoinRequest) -> "JoinRequestStatus":
        return cls(request_id=row.id, invite_id=row.invite_id, status=row.status)


class PendingRequest(BaseModel):
    request_id: Id
    invite_id: Id
    request: JoinRequestWire
    created_at: datetime


class PendingList(BaseModel):
    data: list[PendingRequest]


class Approval(BaseModel):
    entry: SignedObject = Field(description="The admin's signed membership `add` entry for the requesting device.")
    key_envelopes: list[KeyEnvelope] = Field(min_length=1, max_length=1000)


# Admins ---------------------------------------------------------------------------------------


@router.post(
    "/circles/{circle_id}/invites", status_code=status.HTTP_201_CREATED, summary="Make an invite", responses=ERRORS
)
def create_invite(
    circle_id: Id, body: InviteCreate, session: SessionDep, settings: SettingsDep, device: CurrentDevice
) -> InviteAdminView:
    invite = invites.create_invite(
        session, settings, device, circle_id, body.record.wire(), body.auth_pub, body.expires_at, body.max_uses
    )
    return InviteAdminView.of(invite)


@router.get("/circles/{circle_id}/invites", summary="The circle's invites (admins)", responses=ERRORS)
def list_invites(circle_id: Id, session: SessionDep, device: CurrentDevice) -> InviteList:
    return InviteList(data=[InviteAdminView.of(i) for i in invites.invites_of(session, device, circle_id)])


@router.delete(
    "/circles/{circle_id}/invites/{invite_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw an invite; requests waiting on it are declined",
    responses=ERRORS,
)
def revoke_invite(circle_id: Id, invite_id: Id, session: SessionDep, device: CurrentDevice) -> None:
    invites.revoke_invite(session, device, circle_id, invite_id)


# A v1 request has no ``invite`` member at all; ``null`` would make it malformed (§1).
@router.get(
    "/circles/{circle_id}/requests",
    summary="Requests to join waiting for a decision",
    responses=ERRORS,
    response_model_exclude_none=True,
)
def list_requests(circle_id: Id, session: SessionDep, device: CurrentDevice) -> PendingList:
    rows = invites.pending_requests(session, device, circle_id)
    data = [
        PendingRequest(
            request_id=r.id,
            invite_id=r.invite_id,
            request=JoinRequestWire.model_validate(r.request),
            created_at=r.created_at,
        )
        for r in rows
    ]
    return PendingList(data=data)


@router.post(
    "/circles/{circle_id}/requests/{request_id}/approve",
    summary="Admit the device that asked, by a signed `add` entry and its key",
    responses=ERRORS,
)
def approve_request(
    circle_id: Id, request_id: Id, body: Approval, session: SessionDep, settings: SettingsDep, device: CurrentDevice
) -> CirclePublic:
    envelopes = [e.wire() for e in body.key_envelopes]
    circle = invites.approve(session, settings, device, circle_id, request_id, body.entry.wire(), envelopes)
    return CirclePublic.of(circle)


@router.post(
    "/circles/{circle_id}/requests/{request_id}/decline",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Turn a request to join down",
    description="A link of one use is withdrawn with it: it is spent either way, as the apps tell the admin.",
    responses=ERRORS,
)
def decline_request(circle_id: Id, request_id: Id, session: SessionDep, device: CurrentDevice) -> None:
    invites.decline(session, device, circle_id, request_id)


# Link holders ---------------------------------------------------------------------------------


@router.get("/invites/{invite_id}", summary="The encrypted invite record, while it can be used", responses=ERRORS)
def read_invite(invite_id: Id, session: SessionDep, _device: CurrentDevice) -> InvitePublic:
    invite = invites.read_invite(session, invite_id)
    return InvitePublic(invite_id=invite.id, record=InviteRecord.model_validate(invite.record))


@router.post(
    "/invites/{invite_id}/requests",
    status_code=status.HTTP_201_CREATED,
    summary="Ask to join, with proof of the link's secret",
    responses=ERRORS,
)
def request_to_join(
    invite_id: Id, body: JoinRequestCreate, session: SessionDep, device: CurrentDevice
) -> JoinRequestStatus:
    return JoinRequestStatus.of(invites.request_to_join(session, device, invite_id, body.request.wire()))


@router.get("/requests/{request_id}", summary="This device's own request to join, and its outcome", responses=ERRORS)
def read_request(request_id: Id, session: SessionDep, device: CurrentDevice) -> JoinRequestStatus:
    return JoinRequestStatus.of(invites.own_request(session, device, request_id))
