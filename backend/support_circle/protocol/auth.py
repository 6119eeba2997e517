"""Signing in to a server (PROTOCOL.md §14): a device signs the server's one-time challenge."""

from support_circle.protocol import primitives
from support_circle.protocol.encoding import ctx
from support_circle.protocol.identity import DeviceKeys

CHALLENGE_BYTES = 32


def challenge_input(server_id: bytes, challenge: bytes) -> bytes:
    return ctx("support-circle/v1/auth", server_id, challenge)


def sign_challenge(keys: DeviceKeys, server_id: bytes, challenge: bytes) -> bytes:
    return primitives.ed25519_sign(keys.sign_seed, challenge_input(server_id, challenge))


def verify_challenge(sign_pub: bytes, server_id: bytes, challenge: bytes, signature: bytes) -> None:
    """``bad_signature`` unless the device's key signed this challenge for this server."""
    primitives.ed25519_verify(sign_pub, signature, challenge_input(server_id, challenge))
