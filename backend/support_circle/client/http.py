"""HTTP to one sync server: JSON in and out, every failure an ApiError with the server's code."""

from typing import Any, Protocol

import httpx


class ApiError(Exception):
    """The server's stable ``code`` and ``message`` (or ``network_unreachable`` when none came)."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details or []


class Response(Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def is_success(self) -> bool: ...
    def json(self) -> Any: ...


class HttpClient(Protocol):
    """What the client needs of an HTTP client: ``httpx.Client``, or a test's in-process one."""

    def request(self, method: str, url: str, *, json: Any = None, params: Any = None, headers: Any = None) -> Any: ...
    def close(self) -> None: ...


KEEPALIVE_EXPIRY_SECONDS = 2.0


class Api:
    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        http: HttpClient | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._http: HttpClient = http or httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=timeout,
            # Below the server's keep-alive timeout (uvicorn's 5 s, which httpx's default equals):
            # a connection idle that long could be sent a request just as the server closes it,
            # which fails as "disconnected without a response" on a loaded machine.
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS),
        )
        self.token: str | None = None

    @property
    def http(self) -> HttpClient:
        """The connection, for a second identity that signs in over it with its own token."""
        return self._http

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response: Response = self._http.request(method, path, json=json, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise ApiError(0, "network_unreachable", "The server cannot be reached.") from exc
        if response.status_code == 204:
            return None
        try:
            body = response.json()
        except ValueError as exc:
            raise ApiError(response.status_code, "bad_response", "The server's answer is not JSON.") from exc
        if response.is_success:
            return body
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            raise ApiError(response.status_code, body["code"], str(body.get("message", "")), body.get("details"))
        raise ApiError(response.status_code, "bad_response", "The server's error has no code.")

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)
