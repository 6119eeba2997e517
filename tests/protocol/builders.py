"""Small builders for protocol tests: a circle with members, as clients would make it."""

from dataclasses import dataclass, field
from typing import Any

from support_circle.protocol import circle_keys, membership, primitives, records
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.records import RecordRef


@dataclass
class Circle:
    """A circle as its admin's device sees it: the log, the state and every epoch key it made."""

    admin: DeviceKeys
    circle_id: bytes = field(default_factory=lambda: primitives.random_bytes(16))
    log: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[int, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keys[0] = circle_keys.new_epoch_key()
        self.log.append(membership.genesis(self.admin, self.circle_id, self.keys[0]))

    @property
    def genesis_hash(self) -> bytes:
        return membership.genesis_hash(self.log)

    @property
    def state(self) -> membership.CircleState:
        return membership.verify_log(self.circle_id, self.genesis_hash, self.log)

    def add(self, device: DeviceKeys, role: str = "member") -> dict[str, Any]:
        """Appends the add entry; returns the key envelope of the current epoch for the newcomer."""
        self.log.append(membership.add(self.admin, self.state, device.identity(), role))
        epoch = self.state.epoch
        return circle_keys.seal_key_envelope(self.circle_id, epoch, device.public, self.keys[epoch])

    def remove(self, device: DeviceKeys) -> None:
        key = circle_keys.new_epoch_key()
        self.log.append(membership.remove(self.admin, self.state, device.device_id, key))
        self.keys[self.state.epoch] = key

    def write(self, author: DeviceKeys, text: str, epoch: int | None = None) -> dict[str, Any]:
        epoch = self.state.epoch if epoch is None else epoch
        ref = RecordRef(self.circle_id, primitives.random_bytes(16), epoch)
        return records.seal_record(
            author,
            ref,
            self.keys[epoch],
            change_id=primitives.random_bytes(16),
            hlc=f"1795651200000-0000-{b64u(author.device_id)}",
            body={"kind": "note", "text": text},
        )
