"""Device identities (PROTOCOL.md §3): an Ed25519 and an X25519 key pair, and the signed identity."""

from dataclasses import dataclass
from typing import Any

from support_circle.protocol import primitives, signed
from support_circle.protocol.encoding import (
    ID_BYTES,
    VERSION,
    b64u,
    ctx,
    expect_object,
    parse_json,
    unb64u,
)
from support_circle.protocol.errors import ProtocolError


def device_id_for(sign_pub: bytes) -> bytes:
    return primitives.sha256(ctx("support-circle/v1/device-id", sign_pub))[:ID_BYTES]


@dataclass(frozen=True)
class PublicIdentity:
    device_id: bytes
    sign_pub: bytes
    kem_pub: bytes


@dataclass(frozen=True)
class DeviceKeys:
    """A device's private keys. Keep them inside the vault; never log or send them."""

    sign_seed: bytes
    kem_private: bytes

    @classmethod
    def generate(cls) -> "DeviceKeys":
        return cls(primitives.random_bytes(32), primitives.random_bytes(32))

    @property
    def public(self) -> PublicIdentity:
        sign_pub = primitives.ed25519_public(self.sign_seed)
        return PublicIdentity(device_id_for(sign_pub), sign_pub, primitives.x25519_public(self.kem_private))

    @property
    def device_id(self) -> bytes:
        return self.public.device_id

    def sign(self, payload: dict[str, Any]) -> signed.SignedObject:
        return signed.sign(self.sign_seed, self.device_id, payload)

    def identity(self) -> signed.SignedObject:
        mine = self.public
        return self.sign(
            {
                "v": VERSION,
                "type": "identity",
                "device_id": b64u(mine.device_id),
                "sign_pub": b64u(mine.sign_pub),
                "kem_pub": b64u(mine.kem_pub),
            }
        )


def verify_identity(identity: object) -> PublicIdentity:
    """The identity's keys, once its device id and self-signature check out.

    Fails with ``identity_mismatch`` when the device id is not derived from the signing key or is
    not the outer signer, ``bad_signature`` when the signature does not verify.
    """
    signer, payload, signature = signed.decode(identity)
    header = signed.payload_header(parse_json(payload), "identity")
    document = expect_object(header, ("v", "type", "device_id", "sign_pub", "kem_pub"))
    sign_pub, kem_pub = unb64u(document["sign_pub"], 32), unb64u(document["kem_pub"], 32)
    device_id = unb64u(document["device_id"], ID_BYTES)
    if device_id != device_id_for(sign_pub) or device_id != signer:
        raise ProtocolError("identity_mismatch")
    signed.verify_bytes("identity", sign_pub, payload, signature)
    return PublicIdentity(device_id, sign_pub, kem_pub)
