"""Dependencies every authenticated route shares: who is calling, and what they may see."""

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from support_circle.db import SessionDep
from support_circle.errors import Unauthorized
from support_circle.models import Device
from support_circle.settings import Settings
from support_circle.token_cache import SignInCache, token_hash


async def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Sign in first: this needs a bearer token.")
    return token.strip()


TokenDep = Annotated[str, Depends(bearer_token)]


def client_host(request: Request) -> str | None:
    """The client's address: the proxy's X-Forwarded-For entry when the operator trusts the proxy.

    The last entry is the one the operator's proxy added; any before it came from the client.
    """
    settings: Settings = request.app.state.settings
    forwarded = request.headers.get("x-forwarded-for") if settings.trust_proxy_headers else None
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return request.client.host if request.client else None


def limit_anonymous(request: Request) -> None:
    """Charges a request made without a sign-in to its client network's bucket."""
    request.app.state.anonymous_limiter.take(client_host(request))


def limit_registration(request: Request) -> None:
    """Charges a registration to its client network and to the server's bucket of new devices."""
    request.app.state.anonymous_limiter.take_registration(client_host(request))


def _admit(request: Request, device_id: str | None) -> None:
    """Charges the request to its device's rate, or refuses a token that signs no device in."""
    if device_id is None:
        # Made-up tokens are charged like any request without a sign-in: they cannot reset anything.
        limit_anonymous(request)
        raise Unauthorized("This sign-in has expired. The app signs in again by itself.")
    # By device, not by token: a device holding several tokens still has one allowance.
    request.app.state.rate_limiter.take(device_id)


async def signed_in_device_id(request: Request, token: TokenDep) -> str:
    """The signed-in device's id: from this process's sign-in cache after one read of the
    revocation counter on the event loop (``token_cache.py``), else read in a worker thread on a
    connection of its own, returned before the route runs, so the route's own hand-off to a thread
    holds no connection. Async routes whose service reads the device's row itself (the push, the
    pull) need nothing more."""
    sign_ins: SignInCache = request.app.state.sign_ins
    hashed = token_hash(token)
    device_id, generation = await sign_ins.check(hashed)
    if device_id is None:
        device_id = await run_in_threadpool(sign_ins.read, hashed, generation)
    _admit(request, device_id)
    assert device_id is not None
    return device_id


SignedInDeviceId = Annotated[str, Depends(signed_in_device_id)]


def current_device(session: SessionDep, device_id: SignedInDeviceId) -> Device:
    """The signed-in device's row, for routes whose services take it."""
    device = session.get(Device, device_id)
    if device is None:  # deleted since: its tokens went with it
        raise Unauthorized("This sign-in has expired. The app signs in again by itself.")
    # The route runs in another worker thread. Were this read's connection kept until then, enough
    # requests at once would each hold a connection while waiting for a thread, with every thread
    # waiting for a connection: the pool and the thread pool deadlock. Ending it here prevents that.
    # Without expiring the device: its first read after the commit would query again — on every
    # request, and on the event loop in an async route, where one query stalls the whole process.
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    return device


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


CurrentDevice = Annotated[Device, Depends(current_device)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
AnonymousLimit = Depends(limit_anonymous)
RegistrationLimit = Depends(limit_registration)
