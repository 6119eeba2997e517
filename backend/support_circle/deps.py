"""Dependencies every authenticated route shares: who is calling, and what they may see."""

from typing import Annotated

from fastapi import Depends, Request

from support_circle.db import SessionDep
from support_circle.errors import Unauthorized
from support_circle.models import Device
from support_circle.services.auth import device_for_token
from support_circle.settings import Settings


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Sign in first: this needs a bearer token.")
    return token.strip()


TokenDep = Annotated[str, Depends(bearer_token)]


def current_device(request: Request, session: SessionDep, token: TokenDep) -> Device:
    request.app.state.rate_limiter.check(token)
    device = device_for_token(session, token)
    if device is None:
        raise Unauthorized("This sign-in has expired. The app signs in again by itself.")
    # The route runs in another worker thread. Were this read's connection kept until then, enough
    # requests at once would each hold a connection while waiting for a thread, with every thread
    # waiting for a connection: the pool and the thread pool deadlock. Ending it here prevents that.
    session.commit()
    return device


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


CurrentDevice = Annotated[Device, Depends(current_device)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
