"""Epoch keys of a circle (PROTOCOL.md §6): derived keys, commitments and key envelopes."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from support_circle.protocol import primitives
from support_circle.protocol.encoding import VERSION, b64u, ctx, expect_int, expect_object, u32, unb64u, unb64u_id
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.identity import PublicIdentity

if TYPE_CHECKING:
    from support_circle.protocol.membership import CircleState

# A key envelope's ``sealed`` (§6): HPKE's X25519 ``enc`` (32 bytes), then the AES-256-GCM seal of
# the 32-byte epoch key with its 16-byte tag (48 bytes). Every envelope is exactly this size.
SEALED_KEY_BYTES = 32 + primitives.KEY_BYTES + primitives.TAG_BYTES


def new_epoch_key() -> bytes:
    return primitives.random_bytes(primitives.KEY_BYTES)


def record_key(epoch_key: bytes, circle_id: bytes) -> bytes:
    return primitives.hkdf(epoch_key, circle_id, b"support-circle/v1/record-key", 32)


def key_commitment(epoch_key: bytes, circle_id: bytes) -> bytes:
    return primitives.hkdf(epoch_key, circle_id, b"support-circle/v1/key-commitment", 32)


def _envelope_info(circle_id: bytes, epoch: int, recipient: bytes) -> bytes:
    return ctx("support-circle/v1/key-envelope", circle_id, u32(epoch), recipient)


def seal_key_envelope(circle_id: bytes, epoch: int, recipient: PublicIdentity, epoch_key: bytes) -> dict[str, Any]:
    sealed = primitives.hpke_seal(recipient.kem_pub, _envelope_info(circle_id, epoch, recipient.device_id), epoch_key)
    return {
        "v": VERSION,
        "circle_id": b64u(circle_id),
        "epoch": epoch,
        "recipient": b64u(recipient.device_id),
        "sealed": b64u(sealed),
    }


def open_key_envelope(
    envelope: object, recipient_device_id: bytes, kem_private: bytes, commitments: dict[int, bytes]
) -> tuple[bytes, int, bytes]:
    """``(circle_id, epoch, key)`` once the key matches the verified log's commitment for its epoch.

    ``commitments`` maps each epoch of the verified membership log to its key commitment; an
    envelope for another epoch is ``unknown_epoch``, a key of anyone else's making ``key_mismatch``.
    The checks run in §6's order; the first that fails names the error.
    """
    fields = expect_object(envelope, ("v", "circle_id", "epoch", "recipient", "sealed"))
    epoch = expect_int(fields["epoch"])
    circle_id, recipient = unb64u_id(fields["circle_id"]), unb64u_id(fields["recipient"])
    sealed = unb64u(fields["sealed"])
    if recipient != recipient_device_id:
        raise ProtocolError("context_mismatch", "sealed to another device")
    if len(sealed) < SEALED_KEY_BYTES:
        raise ProtocolError("truncated", "a sealed key is 80 bytes")
    if len(sealed) > SEALED_KEY_BYTES:
        raise ProtocolError("malformed", "a sealed key is 80 bytes")
    # 80 sealed bytes always open to 32: HPKE adds the 32-byte enc and the 16-byte tag.
    key = primitives.hpke_open(kem_private, _envelope_info(circle_id, epoch, recipient_device_id), sealed)
    if epoch not in commitments:
        raise ProtocolError("unknown_epoch")
    if key_commitment(key, circle_id) != commitments[epoch]:
        raise ProtocolError("key_mismatch")
    return circle_id, epoch, key


# What a member who leaves can do to the envelopes it seals; anything else only the server can do.
LEAVERS_FAULTS = frozenset({"truncated", "decrypt_failed", "malformed", "key_mismatch"})


@dataclass(frozen=True)
class HeldKeys:
    """The epoch keys a device may use, and the epochs it was in but cannot read (§16)."""

    keys: dict[int, bytes]
    unreadable: frozenset[int]


def held_keys(
    envelopes: list[Any], state: "CircleState", recipient_device_id: bytes, kem_private: bytes, *, shared: bool
) -> HeldKeys:
    """Opens every envelope the server holds for this device against the verified log (§6, §16).

    In a shared circle, an epoch a leaver keyed (``state.left_by``) whose envelope is missing, or
    fails in a way its maker can cause (``LEAVERS_FAULTS``), is unreadable for this device rather
    than an error: a member who left cannot stop the others. Any other failure raises its
    ``ProtocolError``, as every failure does in the personal circle.
    """
    keys: dict[int, bytes] = {}
    for envelope in envelopes:
        try:
            _, epoch, key = open_key_envelope(envelope, recipient_device_id, kem_private, state.commitments)
        except ProtocolError as error:
            if shared and error.code in LEAVERS_FAULTS and _epoch_of(envelope) in state.left_by:
                continue
            raise
        keys[epoch] = key
    unreadable = (
        e for e in state.left_by if e not in keys and recipient_device_id in state.epoch_members.get(e, frozenset())
    )
    return HeldKeys(keys, frozenset(unreadable) if shared else frozenset())


def _epoch_of(envelope: object) -> int | None:
    epoch = envelope.get("epoch") if isinstance(envelope, dict) else None
    return epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else None
