"""``GET /v1/events``: a Server-Sent Events stream telling a device which of its circles have news.

The app reads it with ``fetch()`` and its usual ``Authorization`` header, so the token never
travels in a URL; a missing or expired token is the usual JSON 401 before any stream starts.
Frames, each ``event: <name>`` and one line of JSON ``data``:

- ``ready`` ``{"keepalive_seconds": N}`` — first, once the stream hears everything that follows;
- ``changes`` ``{"circle_id", "seq"}`` — the circle's change log reached ``seq``: pull;
- ``membership`` ``{"circle_id", "log_seq"}`` — its membership log reached ``log_seq``. A device
  hears this for circles it is in and for the entry that removes it, then nothing more of that circle;
- a ``: keepalive`` comment every ``EVENTS_KEEPALIVE_SECONDS``, so proxies keep the connection and
  the app can tell a dead one (nothing for two intervals) from a quiet one.

A circle's events come in the order they happened; events of different circles need not (one
circle's may wait while the server reads who is in another).

The stream ends when the token stops being valid, or when events may have been lost; the app then
reconnects and syncs, as it does on opening. Only opaque ids and counters ever go out.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from support_circle.db import SessionDep
from support_circle.deps import CurrentDevice, SettingsDep, TokenDep
from support_circle.errors import ErrorBody
from support_circle.events import Event, EventService, Subscription
from support_circle.models import Device
from support_circle.services.circles import active_member_ids, circles_of
from support_circle.token_cache import SignInCache, token_hash

router = APIRouter(tags=["events"])


class EventStreamResponse(StreamingResponse):
    """A ``text/event-stream`` that gives back its stream slot however the response ends."""

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[bytes], release: Callable[[], None]) -> None:
        # no-store: nothing caches a live stream; X-Accel-Buffering: proxies pass each frame on at once.
        super().__init__(content, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def _frame(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


@dataclass
class _DeviceStream:
    """One device's stream: the hub queues only the events of the circles this device may hear."""

    sign_ins: SignInCache
    device_id: str
    token_hash: str  # the token itself is not kept while the stream stays open
    subscription: Subscription
    keepalive: float

    async def frames(self) -> AsyncIterator[bytes]:
        yield _frame("ready", {"keepalive_seconds": self.keepalive})
        next_check = time.monotonic() + self.keepalive
        while True:
            try:
                item = await asyncio.wait_for(self.subscription.next(), max(0.0, next_check - time.monotonic()))
            except TimeoutError:
                if await self.sign_ins.device_id(self.token_hash) != self.device_id:
                    return
                next_check = time.monotonic() + self.keepalive
                yield b": keepalive\n\n"
                continue
            if item is None:
                return
            yield _frame_for(item)


def _frame_for(item: Event) -> bytes:
    if item.kind == "changes":
        return _frame("changes", {"circle_id": item.circle_id, "seq": item.seq})
    return _frame("membership", {"circle_id": item.circle_id, "log_seq": item.seq})


def read_members(engine: Engine, circle_id: str) -> set[str]:
    """The hub's one read per membership event (in a thread): who is in the circle now."""
    with Session(engine) as session:
        return active_member_ids(session, circle_id)


def _circle_ids(session: Session, device: Device) -> set[str]:
    # The request's session is closed here, not when the stream ends: a stream must not hold a
    # database connection for as long as the app stays open.
    try:
        return {circle.id for circle in circles_of(session, device)}
    finally:
        session.close()


@router.get(
    "/events",
    summary="Live updates: which of this device's circles have new changes (Server-Sent Events)",
    response_model=None,
    responses={
        200: {
            "description": "A stream of `ready`, `changes` and `membership` events and keepalive comments.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        401: {"model": ErrorBody, "description": "`unauthorized`: no bearer token, or an expired one."},
        429: {
            "model": ErrorBody,
            "description": "`too_many_streams`: this device has enough streams open; "
            "`too_many_circle_streams`: one of its circles has enough, and this device already hears it; "
            "or `rate_limited`.",
        },
        503: {
            "model": ErrorBody,
            "description": "`too_many_streams_on_server`: the server has as many streams as it allows (with "
            "`Retry-After`); `service_unavailable`: the server is stopping. Reconnect later.",
        },
    },
)
async def stream_events(
    request: Request, session: SessionDep, device: CurrentDevice, token: TokenDep, settings: SettingsDep
) -> EventStreamResponse:
    events: EventService = request.app.state.events
    device_id = device.id  # loaded, not expired, by the sign-in check: no query on the event loop
    # Subscribed before the circles are read, so nothing committed in between goes unheard.
    subscription = events.hub.subscribe(device_id)
    try:
        events.hub.attach(subscription, await run_in_threadpool(_circle_ids, session, device))
    except BaseException:
        events.hub.unsubscribe(subscription)
        raise
    stream = _DeviceStream(
        request.app.state.sign_ins, device_id, token_hash(token), subscription, settings.events_keepalive_seconds
    )
    return EventStreamResponse(stream.frames(), release=lambda: events.hub.unsubscribe(subscription))
