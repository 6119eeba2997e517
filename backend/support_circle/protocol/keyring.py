"""The person's keyring (PROTOCOL.md §16, "A person's circles"): where each of their shared
circles is and every epoch key they hold of it, kept as records of their personal circle.

A device of the person that was not there when a circle was started or joined (one linked later,
or a phone recovered with the recovery key) reads the whole history of the circle through these
records: the personal circle's key opens them, and each key is checked against the shared circle's
own verified log before it is used, so a record can point only at keys the log already commits to.
"""

from typing import Any

from support_circle.protocol import primitives
from support_circle.protocol.circle_keys import key_commitment
from support_circle.protocol.encoding import b64u, expect_int, u32, unb64u, unb64u_id
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.membership import CircleState

LINK_KIND, KEY_KIND = "circle-link", "circle-key"


def link_record_id(personal_circle_id: bytes, circle_id: bytes) -> bytes:
    """One id per person and shared circle, which every device of the person derives alike.

    Salted with the personal circle's id, which no other member of the shared circle knows, so
    nobody there can take the id first in their own circle (§16: an id belongs where first seen).
    """
    return primitives.hkdf(circle_id, personal_circle_id, b"support-circle/v1/circle-link-id", 16)


def key_record_id(personal_circle_id: bytes, circle_id: bytes, epoch: int) -> bytes:
    """One id per person, shared circle and epoch: two devices that keep the same key write the
    same record with the same body, so nothing is ever merged."""
    return primitives.hkdf(circle_id + u32(epoch), personal_circle_id, b"support-circle/v1/circle-key-id", 16)


def link_body(circle_id: bytes, genesis_hash: bytes) -> dict[str, Any]:
    return {"kind": LINK_KIND, "circle": b64u(circle_id), "genesisHash": b64u(genesis_hash)}


def key_body(circle_id: bytes, epoch: int, key: bytes) -> dict[str, Any]:
    return {"kind": KEY_KIND, "circle": b64u(circle_id), "epoch": epoch, "key": b64u(key)}


def read_link(body: dict[str, Any]) -> tuple[bytes, bytes]:
    """A ``circle-link`` body's circle id and the genesis hash to verify its log from."""
    return unb64u_id(body.get("circle")), unb64u(body.get("genesisHash"), 32)


def checked_key(body: dict[str, Any], state: CircleState) -> tuple[int, bytes]:
    """A ``circle-key`` body's epoch and key, once the key matches the commitment of that epoch in
    the circle's verified log (§6 step 5: ``unknown_epoch``, ``key_mismatch``)."""
    if unb64u_id(body.get("circle")) != state.circle_id:
        raise ProtocolError("context_mismatch", "a key of another circle")
    epoch, key = expect_int(body.get("epoch")), unb64u(body.get("key"), 32)
    commitment = state.commitments.get(epoch)
    if commitment is None:
        raise ProtocolError("unknown_epoch")
    if key_commitment(key, state.circle_id) != commitment:
        raise ProtocolError("key_mismatch")
    return epoch, key
