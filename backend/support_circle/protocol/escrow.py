"""The recovery escrow (PROTOCOL.md §15): a recovery identity's keys and the personal circle, kept
at the server under a key that only the recovery key gives, so a new device can take the plan over.

Version 2 content holds a recovery identity made for one recovery key, never the escrowing
device's own keys, and a counter the device remembers; version 1 content (the device's own keys)
still opens.
"""

from dataclasses import dataclass
from typing import Any

from support_circle.protocol import primitives, signed
from support_circle.protocol.encoding import (
    ID_BYTES,
    VERSION,
    b64u,
    ctx,
    dump_json,
    expect_int,
    expect_object,
    parse_json,
    unb64u,
    unb64u_id,
)
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.membership import Head
from support_circle.protocol.padding import pad, unpad
from support_circle.protocol.vault import RECOVERY_KEY_BYTES

CONTENT_VERSION = 2
_V1_MEMBERS = ("v", "type", "device", "circle_id", "genesis_hash", "head")
_V2_MEMBERS = ("type", "device", "device_id", "counter", "circle_id", "genesis_hash", "head")


@dataclass(frozen=True)
class Escrowing:
    """Who put a version 2 escrow, and which of its puts this is."""

    device_id: bytes
    counter: int


@dataclass(frozen=True)
class EscrowContent:
    """What an escrow holds: the keys of the identity a recovering device signs in as, where the
    personal circle is, and the membership log head the escrowing device had verified, so a
    recovering device catches a rolled-back log.

    ``escrowing`` is set for version 2, where ``device`` is a recovery identity; ``None`` is
    version 1, where ``device`` is the escrowed device itself.
    """

    device: DeviceKeys
    circle_id: bytes
    genesis_hash: bytes
    head: Head
    escrowing: Escrowing | None = None

    @property
    def escrowed_device_id(self) -> bytes:
        """The device a recovering device removes from the circle."""
        return self.device.device_id if self.escrowing is None else self.escrowing.device_id

    def document(self) -> dict[str, Any]:
        """The content as the JSON object that is sealed."""
        keys = {"sign_seed": b64u(self.device.sign_seed), "kem_private": b64u(self.device.kem_private)}
        version = {"v": VERSION} if self.escrowing is None else {"v": CONTENT_VERSION}
        who = (
            {}
            if self.escrowing is None
            else {"device_id": b64u(self.escrowing.device_id), "counter": self.escrowing.counter}
        )
        return {
            **version,
            "type": "escrow",
            "device": keys,
            **who,
            "circle_id": b64u(self.circle_id),
            "genesis_hash": b64u(self.genesis_hash),
            "head": {"seq": self.head.seq, "hash": b64u(self.head.hash)},
        }


def escrow_id(recovery_key: bytes) -> bytes:
    """The 16-byte id the escrow is kept under; the empty salt, as a new device knows only ``rk``."""
    return primitives.hkdf(_checked(recovery_key), b"", b"support-circle/v1/escrow-id", ID_BYTES)


def escrow_key(recovery_key: bytes) -> bytes:
    return primitives.hkdf(_checked(recovery_key), b"", b"support-circle/v1/escrow-key", primitives.KEY_BYTES)


def _checked(recovery_key: bytes) -> bytes:
    if len(recovery_key) != RECOVERY_KEY_BYTES:
        raise ProtocolError("bad_encoding", "a recovery key is 32 bytes")
    return recovery_key


def _aad(escrow_id: bytes) -> bytes:
    return ctx("support-circle/v1/escrow", escrow_id)


def seal_escrow(escrow_id: bytes, escrow_key: bytes, content: EscrowContent) -> dict[str, Any]:
    """The escrow object to store under ``escrow_id``; a vault keeps the id and key, never ``rk``."""
    nonce = primitives.random_bytes(primitives.NONCE_BYTES)
    ct = primitives.aead_seal(escrow_key, nonce, pad(dump_json(content.document())), _aad(escrow_id))
    return {"v": VERSION, "nonce": b64u(nonce), "ct": b64u(ct)}


def open_escrow(escrow_id: bytes, escrow_key: bytes, escrow: object) -> EscrowContent:
    """The content; ``decrypt_failed`` for another recovery key or an escrow moved to another id."""
    fields = expect_object(escrow, ("v", "nonce", "ct"))
    nonce, ct = unb64u(fields["nonce"]), unb64u(fields["ct"])
    padded = primitives.aead_open(escrow_key, nonce, ct, _aad(escrow_id))
    return _parse_content(parse_json(unpad(padded)))


def open_with_recovery_key(recovery_key: bytes, escrow: object) -> EscrowContent:
    """What a new device does, knowing nothing but the recovery key."""
    return open_escrow(escrow_id(recovery_key), escrow_key(recovery_key), escrow)


def _parse_content(document: object) -> EscrowContent:
    # Version and type first, then exactly the members, as for every typed object (§1 steps 2 to 4).
    version = document.get("v") if isinstance(document, dict) else None
    if type(version) is int and version == CONTENT_VERSION:
        return _parse_v2(_header_v2(document))
    header = signed.payload_header(document, "escrow")
    fields = expect_object(header, _V1_MEMBERS)
    return _common(fields)


def _header_v2(document: object) -> dict[str, Any]:
    assert isinstance(document, dict)
    if document.get("type") != "escrow":
        raise ProtocolError("wrong_type", "expected escrow")
    if set(document) != {"v", *_V2_MEMBERS}:
        raise ProtocolError("malformed", f"members {sorted(document)} are not those of version 2")
    # A counter of 0 is a wrong value, malformed with the types, before any encoding is looked at.
    expect_int(document["counter"], 1)
    # v is 2, checked already: expect_object checks only a v of 1, so v is allowed, not required.
    return expect_object(document, _V2_MEMBERS, optional=("v",))


def _parse_v2(fields: dict[str, Any]) -> EscrowContent:
    counter = expect_int(fields["counter"], 1)
    content = _common(fields)
    escrowing = Escrowing(unb64u_id(fields["device_id"]), counter)
    return EscrowContent(content.device, content.circle_id, content.genesis_hash, content.head, escrowing)


def _common(fields: dict[str, Any]) -> EscrowContent:
    device = expect_object(fields["device"], ("sign_seed", "kem_private"))
    head = expect_object(fields["head"], ("seq", "hash"))
    seq = expect_int(head["seq"])  # an integer written as one, 0..2^32-1, else malformed
    # A key or hash of the wrong length or an id that is not canonical is bad_encoding, as everywhere (§11).
    keys = DeviceKeys(unb64u(device["sign_seed"], 32), unb64u(device["kem_private"], 32))
    return EscrowContent(
        keys, unb64u_id(fields["circle_id"]), unb64u(fields["genesis_hash"], 32), Head(seq, unb64u(head["hash"], 32))
    )
