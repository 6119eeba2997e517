"""A device: its keys, its registration and sign-in with one server, and its circles there."""

from dataclasses import dataclass, field
from typing import Any

import httpx

from support_circle.client.circle import CircleReplica
from support_circle.client.http import Api, ApiError, HttpClient
from support_circle.protocol import ProtocolError, circle_keys, membership, primitives, unlinked
from support_circle.protocol.auth import sign_challenge
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import DeviceKeys


@dataclass
class Device:
    keys: DeviceKeys
    api: Api
    circles: dict[str, CircleReplica] = field(default_factory=dict)
    wiped: bool = False

    @classmethod
    def new(
        cls, base_url: str, *, transport: httpx.BaseTransport | None = None, http: HttpClient | None = None
    ) -> "Device":
        return cls(DeviceKeys.generate(), Api(base_url, transport=transport, http=http))

    @property
    def device_id(self) -> str:
        return b64u(self.keys.device_id)

    def register(self, registration_code: str | None = None) -> None:
        body: dict[str, Any] = {"identity": self.keys.identity()}
        if registration_code is not None:
            body["registration_code"] = registration_code
        self.api.post("/v1/devices", body)

    def sign_in(self) -> None:
        server_id = unb64u(self.api.get("/v1/server")["server_id"])
        challenge = self.api.post("/v1/auth/challenge", {"device_id": self.device_id})["challenge"]
        signature = sign_challenge(self.keys, server_id, unb64u(challenge))
        body = {"device_id": self.device_id, "challenge": challenge, "signature": b64u(signature)}
        self.api.token = self.api.post("/v1/auth/token", body)["token"]

    def call(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None) -> Any:
        """One authenticated request; an expired sign-in is renewed once, by itself."""
        try:
            return self.api.request(method, path, json=json, params=params)
        except ApiError as error:
            if error.code != "unauthorized":
                raise
            self.sign_in()
            return self.api.request(method, path, json=json, params=params)

    def create_circle(self, *, shared: bool = False) -> CircleReplica:
        circle_id, key = primitives.random_bytes(16), circle_keys.new_epoch_key()
        genesis = membership.genesis(self.keys, circle_id, key)
        envelope = circle_keys.seal_key_envelope(circle_id, 0, self.keys.public, key)
        self.call("POST", "/v1/circles", {"circle_id": b64u(circle_id), "genesis": genesis, "key_envelope": envelope})
        return self.join_circle(circle_id, membership.entry_hash(genesis), shared=shared)

    def join_circle(
        self, circle_id: bytes, genesis_hash: bytes, known_head: membership.Head | None = None, *, shared: bool = False
    ) -> CircleReplica:
        """A replica of a circle this device belongs to, anchored at the genesis it trusts and, if
        given, at a head it verified before (a log that does not reach it is ``rolled_back``).
        ``shared``: a circle with other people in it, where one member's bad data is passed over
        (PROTOCOL.md §16); otherwise the person's own, where everything that does not verify is refused."""
        replica = CircleReplica(self, circle_id, genesis_hash, known_head, shared=shared)
        replica.refresh()
        self.circles[b64u(circle_id)] = replica
        return replica

    def unlinked_from(self, circle: CircleReplica) -> bool:
        """After the server answered ``not_found`` about the personal circle ``circle``: whether one
        of the person's own devices signed that it removed this one (§17), checked against the log
        this device verified last. If so, this device forgets everything it held. A bare
        ``not_found`` (a server that lost or hides the circle) changes nothing."""
        if circle.shared or circle.state is None:
            return False
        for notice in self.call("GET", "/v1/unlinked")["data"]:
            try:
                unlinked.verify(notice, circle.state, self.keys.device_id)
            except ProtocolError:
                continue
            self.wipe()
            return True
        return False

    def wipe(self) -> None:
        """Forgets every circle, key and record, and the sign-in: nothing of the person stays."""
        for replica in self.circles.values():
            replica.forget()
        self.circles.clear()
        self.api.token = None
        self.wiped = True

    def member_of(self) -> list[str]:
        return [c["circle_id"] for c in self.call("GET", "/v1/circles")["data"]]
