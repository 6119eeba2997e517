"""Security headers on every response, the app's and the API's alike."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Only this origin, for everything: no CDN, font, analytics or error reporter can be loaded,
# no inline script or eval can run, and no other site can frame the app. 'wasm-unsafe-eval'
# lets the app compile WebAssembly (Argon2id) and nothing else: JavaScript eval stays blocked.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), microphone=(), camera=(), payment=(), usb=()",
}


_API_PREFIXES = ("/v1/", "/healthz", "/readyz")

# Sent only on answers that came over HTTPS: browsers then refuse plain HTTP to this host for a year,
# so nobody on the network can strip TLS from a later visit.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def served_over_https(scope: Scope, trust_proxy_headers: bool) -> bool:
    """HTTPS to this server, or to the operator's proxy when its X-Forwarded-Proto is trusted."""
    if scope.get("scheme") == "https":
        return True
    if not trust_proxy_headers:
        return False
    proto: bytes = dict(scope["headers"]).get(b"x-forwarded-proto", b"")
    return proto.split(b",")[-1].strip().lower() == b"https"


class SecurityHeadersMiddleware:
    """Pure ASGI, so streamed responses (the live-update stream) pass through untouched."""

    def __init__(self, app: ASGIApp, trust_proxy_headers: bool = False) -> None:
        self.app = app
        self.trust_proxy_headers = trust_proxy_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        is_app_file = not scope["path"].startswith(_API_PREFIXES)
        https = served_over_https(scope, self.trust_proxy_headers)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
                if not is_app_file:
                    # API answers are per device and may be private: no cache may keep them.
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
