"""Request limits: body size for every request, and a request rate per bearer token."""

import hashlib
import math
import threading
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from support_circle.errors import RateLimited, error_response


class RateLimiter:
    """A token bucket per bearer token, in this process (each server process keeps its own)."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, token: str) -> None:
        key = hashlib.sha256(token.encode()).hexdigest()[:32]
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                raise RateLimited(retry_after=math.ceil((1 - tokens) / self.rate))
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > 100_000:
                self._buckets.clear()


class BodySizeLimit:
    """Refuses bodies over ``max_bytes`` with 413, by Content-Length or while they stream in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"That request is larger than this server accepts ({self.max_bytes} bytes). Sync in smaller steps."
        await error_response(413, "payload_too_large", message)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass
