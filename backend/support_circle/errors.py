"""Errors the API returns, and the handlers that render every error as the same JSON body.

Every error response, whatever raised it, is ``{"code": "...", "message": "...", "details"?: ...}``
with a stable machine ``code`` and a ``message`` a person can act on::

    AppError                      code set by each subclass; status from ``status_code``
    ├── Unauthorized              401 unauthorized (with WWW-Authenticate: Bearer)
    ├── Forbidden                 403 forbidden, or a more precise code
    ├── NotFound                  404 not_found — also for what the caller may not know exists
    ├── Conflict                  409 with a precise code (stale_base, stale_epoch, …) and details
    ├── Rejected                  422 a protocol object failed its checks; code from PROTOCOL.md §11
    ├── TooLarge                  413 payload_too_large, record_too_large, batch_too_large, quota_exceeded
    ├── RateLimited               429 rate_limited (with Retry-After)
    └── ServiceUnavailable        503 service_unavailable

Errors the framework raises are mapped in ``install_error_handlers``: Starlette's
``HTTPException`` (404, 405, ...) by status, request validation to 422 ``invalid_request``, a
``ProtocolError`` that escaped a service (the protocol code refused what a client sent) to 422
with the protocol's code, as ``Rejected``, and anything unexpected to 500 ``internal_error`` —
logged without the request body.
"""

import logging
import traceback
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from support_circle.protocol.errors import ProtocolError

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    message = "The request could not be handled."

    def __init__(self, message: str | None = None, *, details: list[dict[str, Any]] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details
        self.headers: dict[str, str] = {}


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = "Nothing is here. Check the address, or update the app if it is old."


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"
    message = "This device needs to sign in again."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.headers["WWW-Authenticate"] = "Bearer"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    message = "This device may not do that."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or self.code


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    message = "Something changed on the server first. Sync, then try again."

    def __init__(self, code: str, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, details=details)
        self.code = code


class Rejected(AppError):
    """A protocol object the server checked and refused; ``code`` is the protocol's own."""

    status_code = 422
    code = "rejected"
    message = "The server refused data that does not check out. Update the app; if it persists, tell your organisation."

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class TooLarge(AppError):
    status_code = 413
    code = "payload_too_large"
    message = "That is more data than the server accepts at once."

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    message = "Too many requests from this device. The app will try again shortly."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.headers["Retry-After"] = str(retry_after)


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"
    message = "The server cannot reach its database right now. Try again in a minute."


# What each error status means, for the OpenAPI ``responses`` of the routes that can answer with it.
_DOCUMENTED: dict[int, str] = {
    400: "`bad_request`: the body could not be read (not UTF-8 JSON).",
    401: "`unauthorized`: no bearer token, or an expired one; sign in again.",
    413: "`payload_too_large`, or a more precise code: `record_too_large`, `batch_too_large`, `quota_exceeded`.",
    422: "`invalid_request` (the request is not in the expected form), or a protocol code from PROTOCOL.md §11.",
    429: "`rate_limited`: too many requests from this device or network, or membership changes to one circle "
    "in an hour; `Retry-After` says when to try again.",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each answered with an ``ErrorBody``."""
    return {status: {"model": ErrorBody, "description": _DOCUMENTED[status]} for status in statuses}


# Framework errors by status: a stable code and a message saying what to do next.
_HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be read. Update the app and try again."),
    401: ("unauthorized", "You need to sign in again."),
    403: ("forbidden", "This device may not do that."),
    404: (NotFound.code, NotFound.message),
    405: ("method_not_allowed", "This address does not accept that kind of request."),
    413: ("payload_too_large", "That is more data than the server accepts in one request."),
    415: ("unsupported_media_type", "Send the request as JSON."),
    429: ("rate_limited", "Too many requests. Wait a moment and try again."),
}


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(code=code, message=message, details=details)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


async def _protocol_error(_request: Request, exc: Exception) -> JSONResponse:
    # The server runs the protocol code only on what a client sent, so its refusal is the client's.
    assert isinstance(exc, ProtocolError)
    return error_response(Rejected.status_code, exc.code, Rejected.message)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_ERRORS.get(exc.status_code, _generic(exc.status_code))
    return error_response(exc.status_code, code, message, headers=exc.headers)


def _generic(status: int) -> tuple[str, str]:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return phrase.lower().replace(" ", "_").replace("-", "_"), f"{phrase}."


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only where and why: echoing the rejected input back could put content into a proxy's logs.
    details = [
        {"loc": [str(part) for part in err.get("loc", ())], "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    message = "Some of the request is missing or not in the expected form. Update the app and try again."
    return error_response(422, "invalid_request", message, details)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    route = request.scope.get("route")
    # The route's template, not the path: no ids, no query, no body in the log.
    log.error("unexpected error on %s %s\n%s", request.method, getattr(route, "path", "?"), _without_details(exc))
    message = "Something went wrong on the server. Try again later; the app keeps your changes until then."
    return error_response(500, "internal_error", message)


def _without_details(exc: BaseException) -> str:
    """The traceback, without PostgreSQL's DETAIL lines: a refused statement's DETAIL names the
    values of the key it refused (a circle's id, a change's id), which the log never holds."""
    lines = "".join(traceback.format_exception(exc)).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("DETAIL:"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(ProtocolError, _protocol_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
