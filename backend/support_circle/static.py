"""Serves the built PWA at ``/`` from the same origin as the API (no CORS, one strict CSP)."""

import logging
import mimetypes
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from support_circle.errors import AppError, NotFound

log = logging.getLogger(__name__)

# Not in every system's MIME table; browsers want this type to treat the manifest as one.
mimetypes.add_type("application/manifest+json", ".webmanifest")

# Files that name the others must be revalidated on every visit, or an update would never arrive:
# the page, the service worker, and every manifest (one per disguise the person can choose).
_ALWAYS_REVALIDATE = {"index.html", "sw.js", "", "."}


class AppNotBuilt(AppError):
    status_code = 404
    code = "app_not_built"
    message = "The app has not been built on this server. Its operator can build it with 'make run'."


class PWAFiles(StaticFiles):
    """Static files with cache rules fit for a service-worker app."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if path.startswith("assets/"):
            # Vite names these by content hash, so a new build never reuses a name.
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif (name := path.rstrip("/").split("/")[-1]) in _ALWAYS_REVALIDATE or name.endswith(".webmanifest"):
            response.headers["Cache-Control"] = "no-cache"
        return response


class MissingPWA:
    """Stands in for the app when it was not built, with an error that says what to do."""

    async def __call__(self, scope: Scope, receive: object, send: object) -> None:
        if scope["path"].startswith("/v1/"):
            raise NotFound()
        raise AppNotBuilt()


def pwa_app(static_dir: Path) -> GZipMiddleware | MissingPWA:
    if (static_dir / "index.html").is_file():
        # Compressed here and not on the API: API answers will carry tokens, and compressing
        # secrets beside attacker-chosen bytes leaks them (BREACH).
        return GZipMiddleware(PWAFiles(directory=static_dir, html=True), minimum_size=500, compresslevel=9)
    log.warning("no built app in %s; serving the API only", static_dir)
    return MissingPWA()
