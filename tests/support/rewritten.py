"""A server whose pages of changes are changed on their way to one device: the real server answers,
and ``rewrite`` plays a server whose code answers otherwise (an older one, or one changed to lie),
which the real server's own response models would not let it do."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

Rewrite = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Served:
    """An answer as the reference client reads one: its status and its JSON body."""

    status_code: int
    body: Any

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        return self.body


class RewrittenPages:
    """The test's client, each page of changes passed through ``rewrite`` (none while it is
    ``None``), and every request noted in ``asked`` as "METHOD path"."""

    def __init__(self, http: TestClient, rewrite: Rewrite | None = None) -> None:
        self.http, self.rewrite = http, rewrite
        self.asked: list[str] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        self.asked.append(f"{method} {url}")
        response = self.http.request(method, url, **kwargs)
        if self.rewrite is None or method != "GET" or not url.endswith("/changes") or not response.is_success:
            return response
        return Served(response.status_code, self.rewrite(response.json()))

    def close(self) -> None:
        """The test's client outlives the device."""
