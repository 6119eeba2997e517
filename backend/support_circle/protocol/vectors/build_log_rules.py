"""The ``membership`` vectors that pin down §8's checks one by one: the genesis, who may sign what,
and which ops the current state allows. Each breaks one rule of an otherwise valid log, so the
code it expects is that rule's and no other's."""

from typing import Any

from support_circle.protocol import circle_keys, membership, signed
from support_circle.protocol.encoding import b64u, parse_json, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.vectors.making import Vector, substream, vector

Log = list[signed.SignedObject]
States = list[membership.CircleState]


def _payload(entry: signed.SignedObject) -> dict[str, Any]:
    document: dict[str, Any] = parse_json(unb64u(entry["payload"]))
    return document


def _key() -> bytes:
    return circle_keys.new_epoch_key()


def genesis_vectors(a: DeviceKeys, b: DeviceKeys, circle_id: bytes) -> list[Vector]:
    """Logs whose entry 0 is the anchor yet not a valid genesis (§8, entry 0)."""
    me = {"identity": a.identity(), "role": "admin"}
    commitment = b64u(circle_keys.key_commitment(_key(), circle_id))

    def first(name: str, comment: str, expect: str, entry: signed.SignedObject) -> Vector:
        anchor = b64u(membership.entry_hash(entry))
        return vector(name, comment, expect, circle_id=b64u(circle_id), genesis_hash=anchor, entries=[entry])

    def genesis(**fields: Any) -> signed.SignedObject:
        merged = {"member": me, "epoch": 0, "key_commitment": commitment, **fields}
        return membership.entry(a, circle_id, 0, None, "genesis", **merged)

    good = genesis()
    return [
        first(
            "genesis signed for another",
            "the payload's signer names B, the outer signer and the key are A's",
            "context_mismatch",
            a.sign({**_payload(good), "signer": b64u(b.device_id)}),
        ),
        first(
            "log begins with an add",
            "entry 0 is the anchor but not a genesis",
            "invalid_operation",
            membership.entry(a, circle_id, 0, None, "add", member={"identity": b.identity(), "role": "member"}),
        ),
        first("genesis at seq 1", "a genesis is entry 0", "invalid_operation", a.sign({**_payload(good), "seq": 1})),
        first("genesis at epoch 1", "a circle begins at epoch 0", "invalid_operation", genesis(epoch=1)),
        first("genesis epoch as text", 'epoch "0" is not an integer', "malformed", genesis(epoch="0")),
        first(
            "genesis member is not the signer",
            "A signs a genesis whose admin is B",
            "invalid_operation",
            genesis(member={"identity": b.identity(), "role": "admin"}),
        ),
        first(
            "genesis creator not an admin",
            "the creator's role is member",
            "invalid_operation",
            genesis(member={**me, "role": "member"}),
        ),
        first(
            "genesis commitment of 31 bytes",
            "checked after the signature, as every key commitment",
            "bad_encoding",
            genesis(key_commitment=b64u(bytes(31))),
        ),
    ]


def build(devices: list[DeviceKeys], log: Log, states: States, base: dict[str, str]) -> list[Vector]:
    a, b = devices[0], devices[1]
    with substream("membership/rules"):
        return [
            *genesis_vectors(a, b, states[0].circle_id),
        ]
