"""The recovery escrow (PROTOCOL.md §15): a device's keys and its personal circle, kept at the
server under a key that only the recovery key gives, so a new device can take the plan over."""

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


@dataclass(frozen=True)
class EscrowContent:
    """What an escrow holds: the escrowed device's private keys, where its personal circle is, and
    the membership log head it had verified, so a recovering device catches a rolled-back log."""

    device: DeviceKeys
    circle_id: bytes
    genesis_hash: bytes
    head: Head

    def document(self) -> dict[str, Any]:
        """The content as the JSON object that is sealed."""
        return {
            "v": VERSION,
            "type": "escrow",
            "device": {"sign_seed": b64u(self.device.sign_seed), "kem_private": b64u(self.device.kem_private)},
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
    header = signed.payload_header(document, "escrow")
    fields = expect_object(header, ("v", "type", "device", "circle_id", "genesis_hash", "head"))
    device = expect_object(fields["device"], ("sign_seed", "kem_private"))
    head = expect_object(fields["head"], ("seq", "hash"))
    seq = expect_int(head["seq"])  # an integer written as one, 0..2^32-1, else malformed
    # A key or hash of the wrong length or an id that is not canonical is bad_encoding, as everywhere (§11).
    keys = DeviceKeys(unb64u(device["sign_seed"], 32), unb64u(device["kem_private"], 32))
    return EscrowContent(
        keys, unb64u_id(fields["circle_id"]), unb64u(fields["genesis_hash"], 32), Head(seq, unb64u(head["hash"], 32))
    )
