"""Record envelopes (PROTOCOL.md §7): padded, encrypted, and signed by their author inside."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from support_circle.protocol import primitives, signed
from support_circle.protocol.circle_keys import record_key
from support_circle.protocol.encoding import (
    ID_BYTES,
    VERSION,
    b64u,
    ctx,
    dump_json,
    expect_int,
    expect_object,
    u32,
    unb64u,
    unb64u_id,
)
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.padding import pad, unpad

_SIGNATURE_END = ID_BYTES + primitives.SIGNATURE_BYTES
_HLC = re.compile(r"[0-9]{13}-[0-9a-f]{4}-[A-Za-z0-9_-]{22}")
_PAYLOAD_FIELDS = ("v", "type", "circle_id", "record_id", "epoch", "change_id", "author", "hlc", "deleted")


@dataclass(frozen=True)
class RecordRef:
    """Where a record lives and under which epoch it is written."""

    circle_id: bytes
    record_id: bytes
    epoch: int


def _aad(ref: RecordRef) -> bytes:
    return ctx("support-circle/v1/record", ref.circle_id, ref.record_id, u32(ref.epoch))


def seal_record(
    author: DeviceKeys,
    ref: RecordRef,
    epoch_key: bytes,
    *,
    change_id: bytes,
    hlc: str,
    body: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The envelope of one revision; ``body=None`` writes a tombstone."""
    payload: dict[str, Any] = {
        "v": VERSION,
        "type": "record",
        "circle_id": b64u(ref.circle_id),
        "record_id": b64u(ref.record_id),
        "epoch": ref.epoch,
        "change_id": b64u(change_id),
        "author": b64u(author.device_id),
        "hlc": hlc,
        "deleted": body is None,
    }
    if body is not None:
        payload["body"] = dict(body)
    payload_bytes = dump_json(payload)
    signature = primitives.ed25519_sign(author.sign_seed, signed.signing_input("record", payload_bytes))
    inner = author.device_id + signature + payload_bytes
    nonce = primitives.random_bytes(primitives.NONCE_BYTES)
    ct = primitives.aead_seal(record_key(epoch_key, ref.circle_id), nonce, pad(inner), _aad(ref))
    return {
        "v": VERSION,
        "circle_id": b64u(ref.circle_id),
        "record_id": b64u(ref.record_id),
        "epoch": ref.epoch,
        "nonce": b64u(nonce),
        "ct": b64u(ct),
    }


def parse_envelope(envelope: object) -> tuple[RecordRef, bytes, bytes]:
    """§7 steps 1 to 3: the envelope's form, before its epoch is looked up anywhere.

    An ``epoch`` of 1.5, 1.0 or "1" is ``malformed`` here: it names no epoch, so no rule about
    epochs (a key held, one unreadable, one before this device joined) may read it.
    """
    fields = expect_object(envelope, ("v", "circle_id", "record_id", "epoch", "nonce", "ct"))
    ref = RecordRef(unb64u_id(fields["circle_id"]), unb64u_id(fields["record_id"]), expect_int(fields["epoch"]))
    nonce, ct = unb64u(fields["nonce"]), unb64u(fields["ct"])
    if len(nonce) != primitives.NONCE_BYTES or len(ct) < primitives.TAG_BYTES:
        raise ProtocolError("truncated")
    return ref, nonce, ct


def open_record(envelope: object, epoch_keys: Mapping[int, bytes], lookup: signed.KeyLookup) -> dict[str, Any]:
    """The verified payload of an envelope, following the order of checks in §7."""
    ref, nonce, ct = parse_envelope(envelope)
    if ref.epoch not in epoch_keys:
        raise ProtocolError("unknown_epoch")
    inner = unpad(primitives.aead_open(record_key(epoch_keys[ref.epoch], ref.circle_id), nonce, ct, _aad(ref)))
    if len(inner) <= _SIGNATURE_END:
        raise ProtocolError("missing_signature")
    signer, signature, payload_bytes = inner[:ID_BYTES], inner[ID_BYTES:_SIGNATURE_END], inner[_SIGNATURE_END:]
    sign_pub = lookup(signer)
    if sign_pub is None:
        raise ProtocolError("unknown_author")
    signed.verify_bytes("record", sign_pub, payload_bytes, signature)
    payload = signed.parse_payload("record", payload_bytes, signer, "author")
    return _check_payload(payload, ref)


def _check_payload(payload: dict[str, Any], ref: RecordRef) -> dict[str, Any]:
    deleted = payload.get("deleted")
    expect_object(payload, _PAYLOAD_FIELDS, () if deleted is True else ("body",))
    if deleted is not True and (deleted is not False or not isinstance(payload.get("body"), dict)):
        raise ProtocolError("malformed", "a record has a body unless it is deleted")
    unb64u_id(payload["change_id"])
    hlc = payload["hlc"]
    if not isinstance(hlc, str) or not _HLC.fullmatch(hlc) or hlc[19:] != payload["author"]:
        raise ProtocolError("malformed", "hlc is <13 digits>-<4 hex>-<author>")
    signed_ref = RecordRef(
        unb64u_id(payload["circle_id"]), unb64u_id(payload["record_id"]), expect_int(payload["epoch"])
    )
    if signed_ref != ref:
        raise ProtocolError("context_mismatch", "the signed ids or epoch differ from the envelope's")
    return payload
