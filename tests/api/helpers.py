"""Small builders for API tests: devices that register and sign in, circles they create,
records they push — all through the HTTP API with the real protocol code."""

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from support_circle.protocol import circle_keys, membership, primitives, records
from support_circle.protocol.auth import sign_challenge
from support_circle.protocol.encoding import b64u, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.records import RecordRef


@dataclass
class Member:
    """A device as a test drives it: its keys and a signed-in session with the server."""

    client: TestClient
    keys: DeviceKeys = field(default_factory=DeviceKeys.generate)
    token: str = ""

    @property
    def device_id(self) -> str:
        return b64u(self.keys.device_id)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def register(self, code: str | None = None) -> Any:
        body: dict[str, Any] = {"identity": self.keys.identity()}
        if code is not None:
            body["registration_code"] = code
        return self.client.post("/v1/devices", json=body)

    def sign_in(self) -> "Member":
        server_id = unb64u(self.client.get("/v1/server").json()["server_id"])
        challenge = self.client.post("/v1/auth/challenge", json={"device_id": self.device_id}).json()["challenge"]
        signature = sign_challenge(self.keys, server_id, unb64u(challenge))
        body = {"device_id": self.device_id, "challenge": challenge, "signature": b64u(signature)}
        response = self.client.post("/v1/auth/token", json=body)
        assert response.status_code == 200, response.text
        self.token = response.json()["token"]
        return self

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, json=json, headers=self.headers, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.put(path, json=json, headers=self.headers, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=self.headers, **kwargs)


def signed_in(client: TestClient) -> Member:
    member = Member(client)
    assert member.register().status_code == 201
    return member.sign_in()


@dataclass
class SharedCircle:
    """A circle as its admin's device keeps it: log, epoch keys, and the records it knows."""

    admin: Member
    circle_id: bytes = field(default_factory=lambda: primitives.random_bytes(16))
    log: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[int, bytes] = field(default_factory=dict)

    @property
    def cid(self) -> str:
        return b64u(self.circle_id)

    @property
    def state(self) -> membership.CircleState:
        return membership.verify_log(self.circle_id, membership.genesis_hash(self.log), self.log)

    def create(self) -> Any:
        self.keys[0] = circle_keys.new_epoch_key()
        genesis = membership.genesis(self.admin.keys, self.circle_id, self.keys[0])
        envelope = circle_keys.seal_key_envelope(self.circle_id, 0, self.admin.keys.public, self.keys[0])
        response = self.admin.post("/v1/circles", {"circle_id": self.cid, "genesis": genesis, "key_envelope": envelope})
        if response.status_code == 201:
            self.log.append(genesis)
        return response

    def add(self, member: Member, role: str = "member") -> Any:
        entry = membership.add(self.admin.keys, self.state, member.keys.identity(), role)
        epoch = self.state.epoch
        envelope = circle_keys.seal_key_envelope(self.circle_id, epoch, member.keys.public, self.keys[epoch])
        response = self.admin.post(f"/v1/circles/{self.cid}/log", {"entry": entry, "key_envelopes": [envelope]})
        if response.status_code == 200:
            self.log.append(entry)
        return response

    def remove(self, member: Member) -> Any:
        """Removes ``member`` and seals the new epoch key to everyone who stays."""
        key = circle_keys.new_epoch_key()
        entry = membership.remove(self.admin.keys, self.state, member.keys.device_id, key)
        after = membership.verify_log(self.circle_id, membership.genesis_hash(self.log), [*self.log, entry])
        envelopes = [
            circle_keys.seal_key_envelope(self.circle_id, after.epoch, m.identity, key) for m in after.members.values()
        ]
        response = self.admin.post(f"/v1/circles/{self.cid}/log", {"entry": entry, "key_envelopes": envelopes})
        if response.status_code == 200:
            self.log.append(entry)
            self.keys[after.epoch] = key
        return response

    def append(self, entry: dict[str, Any], by: Member | None = None) -> Any:
        """Posts ``entry`` as it is (from the admin's device unless ``by``); kept in the log if stored."""
        response = (by or self.admin).post(f"/v1/circles/{self.cid}/log", {"entry": entry})
        if response.status_code == 200:
            self.log.append(entry)
        return response

    def rotate(self) -> Any:
        """Starts a new epoch, its key sealed to every member."""
        key = circle_keys.new_epoch_key()
        state = self.state
        entry = membership.rotate(self.admin.keys, state, key)
        envelopes = [
            circle_keys.seal_key_envelope(self.circle_id, state.epoch + 1, m.identity, key)
            for m in state.members.values()
        ]
        response = self.admin.post(f"/v1/circles/{self.cid}/log", {"entry": entry, "key_envelopes": envelopes})
        if response.status_code == 200:
            self.log.append(entry)
            self.keys[state.epoch + 1] = key
        return response


def record(
    author: Member, circle: SharedCircle, body: dict[str, Any] | None, record_id: bytes | None = None
) -> dict[str, Any]:
    """An envelope for one revision, written under the circle's current epoch."""
    epoch = circle.state.epoch
    ref = RecordRef(circle.circle_id, record_id or primitives.random_bytes(16), epoch)
    return records.seal_record(
        author.keys,
        ref,
        circle.keys[epoch],
        change_id=primitives.random_bytes(16),
        hlc=f"1795651200000-0000-{author.device_id}",
        body=body,
    )


def change(envelope: dict[str, Any], base_seq: int | None = None) -> dict[str, Any]:
    return {"change_id": b64u(primitives.random_bytes(16)), "base_seq": base_seq, "envelope": envelope}
