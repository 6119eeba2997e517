"""Recovery escrows (PROTOCOL.md §15): a device stores and deletes its own; a new device, which
has no keys and cannot sign in yet, reads one by the id its recovery key gives."""

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel

from support_circle.db import SessionDep
from support_circle.deps import AnonymousLimit, CurrentDevice
from support_circle.errors import ErrorBody, documented
from support_circle.services import recovery
from support_circle.wire import Escrow, Id

router = APIRouter(prefix="/recovery", tags=["recovery"])
SIGNED_IN = documented(401, 429)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "`not_found`."}}


class EscrowPut(BaseModel):
    escrow: Escrow


class EscrowPublic(BaseModel):
    escrow_id: Id
    escrow: Escrow


@router.put(
    "/{escrow_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Store this device's recovery escrow, or replace the one it stored",
    responses={
        **SIGNED_IN,
        409: {
            "model": ErrorBody,
            "description": "`escrow_taken`: another device stored this id; `too_many_escrows`.",
        },
    },
)
def put_escrow(escrow_id: Id, body: EscrowPut, session: SessionDep, device: CurrentDevice) -> None:
    recovery.put_escrow(session, device, escrow_id, body.escrow.wire())


@router.get(
    "/{escrow_id}",
    summary="A recovery escrow, for a new device (no sign-in)",
    dependencies=[AnonymousLimit],
    responses={**NOT_FOUND, **documented(429)},
)
def read_escrow(escrow_id: Id, session: SessionDep) -> EscrowPublic:
    row = recovery.read_escrow(session, escrow_id)
    return EscrowPublic(escrow_id=row.id, escrow=Escrow.model_validate(row.escrow))


@router.delete(
    "/{escrow_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete this device's recovery escrow",
    responses={**SIGNED_IN, **NOT_FOUND},
)
def delete_escrow(escrow_id: Id, session: SessionDep, device: CurrentDevice) -> None:
    recovery.delete_escrow(session, device, escrow_id)
