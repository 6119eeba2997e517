from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel

from support_circle.db import SessionDep
from support_circle.deps import AnonymousLimit, CurrentDevice, SettingsDep, TokenDep
from support_circle.errors import ErrorBody, documented
from support_circle.services.auth import issue_challenge, sign_in, sign_out
from support_circle.wire import B64u, Id, Signature

router = APIRouter(prefix="/auth", tags=["auth"])


class ChallengeCreate(BaseModel):
    device_id: Id


class ChallengePublic(BaseModel):
    challenge: B64u
    expires_at: datetime


class TokenCreate(BaseModel):
    device_id: Id
    challenge: B64u
    signature: Signature


class TokenPublic(BaseModel):
    token: str
    expires_at: datetime


@router.post(
    "/challenge",
    summary="A one-time challenge for a device to sign",
    dependencies=[AnonymousLimit],
    responses={404: {"model": ErrorBody}, **documented(429)},
)
def create_challenge(body: ChallengeCreate, session: SessionDep, settings: SettingsDep) -> ChallengePublic:
    challenge = issue_challenge(session, settings, body.device_id)
    return ChallengePublic(challenge=challenge.challenge, expires_at=challenge.expires_at)


@router.post(
    "/token",
    summary="Exchange a signed challenge for a bearer token",
    dependencies=[AnonymousLimit],
    responses={401: {"model": ErrorBody}, **documented(429)},
)
def create_token(body: TokenCreate, session: SessionDep, settings: SettingsDep) -> TokenPublic:
    token, expires_at = sign_in(session, settings, body.device_id, body.challenge, body.signature)
    return TokenPublic(token=token, expires_at=expires_at)


@router.delete(
    "/token",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out: forget this token",
    responses=documented(401, 429),
)
def delete_token(session: SessionDep, token: TokenDep, _device: CurrentDevice) -> None:
    sign_out(session, token)
