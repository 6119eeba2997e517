"""Reads ``GET /v1/events`` from a real server as the app does: streamed over HTTP with the bearer
header. Every read is bounded: the server's keepalive (set short in tests) wakes the reader, so a
wait for an event ends at its deadline, and a silent server fails the read after ``read_timeout``."""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx


@dataclass(frozen=True)
class Frame:
    event: str
    data: dict[str, Any]


class StreamRefused(Exception):
    """The server answered the stream's request with an error instead of a stream."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.status_code} {response.text}")
        self.response = response


class EventStream:
    """``with EventStream(url, token) as stream:`` opens the stream and waits for ``ready``; raises
    ``StreamRefused`` if the server answers with an error instead."""

    def __init__(self, base_url: str, token: str, read_timeout: float = 5.0) -> None:
        self._client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(read_timeout))
        self._token = token
        self.response: httpx.Response | None = None
        self._lines: Iterator[str] = iter(())

    def __enter__(self) -> "EventStream":
        request = self._client.build_request("GET", "/v1/events", headers={"Authorization": f"Bearer {self._token}"})
        self.response = self._client.send(request, stream=True)
        if self.response.status_code != 200:
            self.response.read()
            self.__exit__()
            raise StreamRefused(self.response)
        assert self.response.headers["content-type"].startswith("text/event-stream")
        self._lines = self.response.iter_lines()
        ready = self.next_frame(within=5.0)
        assert ready is not None and ready.event == "ready", ready
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.response is not None:
            self.response.close()
        self._client.close()

    def next_frame(self, within: float) -> Frame | None:
        """The next event, or None if none came within ``within`` seconds (keepalives are skipped)."""
        deadline = time.monotonic() + within
        fields: dict[str, str] = {}
        for line in self._lines:
            if line == "" and fields:
                return Frame(fields.get("event", "message"), json.loads(fields.get("data", "{}")))
            if line and not line.startswith(":"):
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
            if not fields and time.monotonic() >= deadline:
                return None
        raise EOFError("the server ended the event stream")

    def frames_within(self, seconds: float) -> list[Frame]:
        """Every event that arrives in the next ``seconds`` seconds."""
        deadline = time.monotonic() + seconds
        frames = []
        while (remaining := deadline - time.monotonic()) > 0:
            frame = self.next_frame(within=remaining)
            if frame is not None:
                frames.append(frame)
        return frames

    def expect(self, event: str, within: float = 5.0) -> Frame:
        """The next event, which must be ``event`` and arrive within ``within`` seconds."""
        frame = self.next_frame(within)
        assert frame is not None, f"no {event!r} event within {within}s"
        assert frame.event == event, frame
        return frame
