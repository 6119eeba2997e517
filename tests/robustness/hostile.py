"""A hostile member as its own process: everything one registered device may try at once against
the circles it was let into, as fast as the server lets it, while others use those circles.

    python -m tests.robustness.hostile <server url>

It registers, signs in and makes a circle of its own, then prints one JSON line with its identity.
Given a line of JSON circle ids on stdin (the circles it was added to), it starts; on the next line
(or end of input) it stops and prints one JSON line: how many answers it had of each status code.
Running apart from the people it harms keeps its client-side work off their process's clock.

What it does, each in its own thread:
- pushes records of random bytes to every shared circle (the server cannot tell them from records);
- offers key envelopes far larger than a sealed key, to its own circle and the shared ones;
- keeps as many live event streams open as the server allows, and keeps asking for more;
- appends ``rotate`` entries to its own circle's membership log, making it ever longer.
"""

import itertools
import json
import sys
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from support_circle.client import Device
from support_circle.protocol import circle_keys, membership, primitives
from support_circle.protocol.encoding import b64u, unb64u_id
from tests.adversarial.tampering import unreadable_envelope

GARBAGE_PER_PUSH = 10
STREAMS_WANTED = 50
OVERSIZED_SEALED = b64u(primitives.random_bytes(140_000))


class Hostile:
    def __init__(self, url: str) -> None:
        self.url = url
        self.device = Device.new(url)
        self.device.register()
        self.device.sign_in()
        own = self.device.create_circle()
        self.own_id, self.own_state, self.own_log = own.circle_id, own.verified, list(own.log)
        self.statuses: Counter[int] = Counter()
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def note(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1

    def http(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.device.api.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def attacks(self, shared: list[str]) -> list[Callable[[], None]]:
        return [
            lambda: self._push_garbage(shared),
            lambda: self._oversized_envelopes(shared),
            self._flood_streams,
            self._grow_own_log,
        ]

    def _until_stopped(self, attempt: Callable[[httpx.Client], int]) -> None:
        with self.http() as http:
            while not self.stop.is_set():
                try:
                    self.note(attempt(http))
                except httpx.TransportError:
                    self.note(0)  # no answer at all: counted, and the load test fails on it

    def _push_garbage(self, shared: list[str]) -> None:
        with self.http() as http:
            epochs = {circle_id: http.get(f"/v1/circles/{circle_id}").json()["epoch"] for circle_id in shared}
        circles = itertools.cycle(shared)

        def push(http: httpx.Client) -> int:
            circle_id = next(circles)
            changes = [
                {
                    "change_id": b64u(primitives.random_bytes(16)),
                    "base_seq": None,
                    "envelope": unreadable_envelope(unb64u_id(circle_id), epochs[circle_id]),
                }
                for _ in range(GARBAGE_PER_PUSH)
            ]
            return http.post(f"/v1/circles/{circle_id}/changes", json={"changes": changes}).status_code

        self._until_stopped(push)

    def _oversized_envelopes(self, shared: list[str]) -> None:
        targets = itertools.cycle([b64u(self.own_id), *shared])

        def offer(http: httpx.Client) -> int:
            circle_id = next(targets)
            envelope = {"v": 1, "circle_id": circle_id, "epoch": 0, "recipient": self.device.device_id}
            body = {"key_envelopes": [{**envelope, "sealed": OVERSIZED_SEALED}]}
            return http.post(f"/v1/circles/{circle_id}/keys", json=body).status_code

        self._until_stopped(offer)

    def _flood_streams(self) -> None:
        """Opens streams until refused, holds what it got, and keeps asking for one more."""
        with self.http() as http:
            held: list[httpx.Response] = []
            try:
                while not self.stop.is_set():
                    response = http.send(http.build_request("GET", "/v1/events"), stream=True)
                    self.note(response.status_code)
                    if response.status_code == 200 and len(held) < STREAMS_WANTED:
                        held.append(response)
                    else:
                        response.close()
                        self.stop.wait(0.05)
            finally:
                for response in held:
                    response.close()

    def _grow_own_log(self) -> None:
        def rotate(http: httpx.Client) -> int:
            key = circle_keys.new_epoch_key()
            entry = membership.rotate(self.device.keys, self.own_state, key)
            after = membership.apply_entry(self.own_state, entry)
            envelope = circle_keys.seal_key_envelope(self.own_id, after.epoch, self.device.keys.public, key)
            body = {"entry": entry, "key_envelopes": [envelope]}
            status = http.post(f"/v1/circles/{b64u(self.own_id)}/log", json=body).status_code
            if status == 200:
                self.own_state = after
            return status

        self._until_stopped(rotate)

    def run(self, shared: list[str]) -> None:
        threads = [threading.Thread(target=attack, daemon=True) for attack in self.attacks(shared)]
        for thread in threads:
            thread.start()
        sys.stdin.readline()
        self.stop.set()
        for thread in threads:
            thread.join(60)


def main(url: str) -> None:
    hostile = Hostile(url)
    print(json.dumps({"identity": hostile.device.keys.identity()}), flush=True)
    shared: list[Any] = json.loads(sys.stdin.readline())
    hostile.run(shared)
    print(json.dumps({"statuses": {str(k): v for k, v in hostile.statuses.items()}}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
