"""Request limits: body size for every request, and request rates by device and by client network.

Rates are token buckets kept in this process's memory (each server process keeps its own):

- a signed-in request is charged to its **device**, however many tokens the device holds;
- a request without a valid sign-in (registering, asking for a challenge, signing in, reading a
  recovery escrow, or a token that is unknown or expired) is charged to its **client network**
  (an IPv4 address, or an IPv6 /64), kept only as a hash under a salt made anew each day and
  never written anywhere;
- new devices are charged, as well, to one bucket for the whole server.

Bucket tables are bounded: past ``max_keys`` the bucket used least recently is forgotten. Every
request, refused ones too, marks its bucket as used, so a bucket is forgotten only after as many
other devices or networks were seen since its own last request: nothing clears the table at once.
"""

import hashlib
import ipaddress
import math
import secrets
import threading
import time
from collections import OrderedDict
from datetime import UTC, date, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from support_circle.errors import RateLimited, error_response


class TokenBuckets:
    """A token bucket per key, at most ``max_keys`` of them (least recently used forgotten first)."""

    def __init__(self, per_minute: int, max_keys: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Takes one token from ``key``'s bucket, or raises ``RateLimited`` saying when to retry."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        if not allowed:
            raise RateLimited(retry_after=math.ceil((1 - tokens) / self.rate))

    def __len__(self) -> int:
        return len(self._buckets)


def client_network(host: str | None) -> str:
    """The part of a client address that names one customer: an IPv4 address, an IPv6 /64."""
    if not host:
        return "-"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class AnonymousLimiter:
    """Requests without a sign-in, per client network, and new devices on the whole server."""

    def __init__(self, per_minute: int, registrations_per_minute: int, max_keys: int) -> None:
        self.networks = TokenBuckets(per_minute, max_keys)
        self.registrations = TokenBuckets(registrations_per_minute, 1)
        self._salt: tuple[date, bytes] = (date.min, b"")
        self._lock = threading.Lock()

    def take(self, host: str | None) -> None:
        self.networks.take(self._hashed(client_network(host)))

    def take_registration(self, host: str | None) -> None:
        self.take(host)
        self.registrations.take("server")

    def _hashed(self, network: str) -> str:
        today = datetime.now(UTC).date()
        with self._lock:
            if self._salt[0] != today:
                self._salt = (today, secrets.token_bytes(32))
            salt = self._salt[1]
        return hashlib.sha256(salt + network.encode()).hexdigest()[:32]


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
