"""Record envelopes (PROTOCOL.md §7): padded, encrypted, and signed by their author inside.

A ``"v": 2`` payload also places the revision in its author's chain (``n``, ``prev``) and says
what the author had received from the others (``seen``); ``chains`` checks those against a reader.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
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
_CHAIN_FIELDS = ("n", "prev", "seen")
CHAINED = 2
MAX_SEEN = 256


@dataclass(frozen=True)
class RecordRef:
    """Where a record lives and under which epoch it is written."""

    circle_id: bytes
    record_id: bytes
    epoch: int


@dataclass(frozen=True)
class Link:
    """A revision's place in its author's chain: its ``n`` and ``revision_hash``."""

    n: int
    hash: bytes


@dataclass(frozen=True)
class Chained:
    """What a v2 writer adds: the author's previous revision (None for its first) and the heads
    it holds of the others, by device id."""

    prev: Link | None
    seen: Mapping[bytes, Link] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return 0 if self.prev is None else self.prev.n + 1


@dataclass(frozen=True)
class Opened:
    """A verified revision: its payload and its ``revision_hash`` (§7)."""

    payload: dict[str, Any]
    hash: bytes


def _aad(ref: RecordRef) -> bytes:
    return ctx("support-circle/v1/record", ref.circle_id, ref.record_id, u32(ref.epoch))


def revision_hash(payload: bytes, signature: bytes) -> bytes:
    return primitives.sha256(ctx("support-circle/v1/record-revision", payload, signature))


def _chain_members(chained: Chained) -> dict[str, Any]:
    seen = sorted(chained.seen.items())[:MAX_SEEN]
    return {
        "n": chained.n,
        "prev": None if chained.prev is None else b64u(chained.prev.hash),
        "seen": {b64u(device): {"n": link.n, "hash": b64u(link.hash)} for device, link in seen},
    }


def seal_revision(
    author: DeviceKeys,
    ref: RecordRef,
    epoch_key: bytes,
    *,
    change_id: bytes,
    hlc: str,
    body: Mapping[str, Any] | None,
    chained: Chained | None = None,
) -> tuple[dict[str, Any], Link | None]:
    """The envelope of one revision and, when ``chained``, its link; ``body=None`` writes a tombstone.

    Without ``chained`` the payload is v1, as earlier releases wrote it.
    """
    payload: dict[str, Any] = {
        "v": VERSION if chained is None else CHAINED,
        "type": "record",
        "circle_id": b64u(ref.circle_id),
        "record_id": b64u(ref.record_id),
        "epoch": ref.epoch,
        "change_id": b64u(change_id),
        "author": b64u(author.device_id),
        "hlc": hlc,
        **({} if chained is None else _chain_members(chained)),
        "deleted": body is None,
    }
    if body is not None:
        payload["body"] = dict(body)
    payload_bytes = dump_json(payload)
    signature = primitives.ed25519_sign(author.sign_seed, signed.signing_input("record", payload_bytes))
    inner = author.device_id + signature + payload_bytes
    nonce = primitives.random_bytes(primitives.NONCE_BYTES)
    ct = primitives.aead_seal(record_key(epoch_key, ref.circle_id), nonce, pad(inner), _aad(ref))
    envelope = {
        "v": VERSION,
        "circle_id": b64u(ref.circle_id),
        "record_id": b64u(ref.record_id),
        "epoch": ref.epoch,
        "nonce": b64u(nonce),
        "ct": b64u(ct),
    }
    link = None if chained is None else Link(chained.n, revision_hash(payload_bytes, signature))
    return envelope, link


def seal_record(
    author: DeviceKeys,
    ref: RecordRef,
    epoch_key: bytes,
    *,
    change_id: bytes,
    hlc: str,
    body: Mapping[str, Any] | None,
    chained: Chained | None = None,
) -> dict[str, Any]:
    """The envelope of one revision; ``body=None`` writes a tombstone."""
    envelope, _link = seal_revision(author, ref, epoch_key, change_id=change_id, hlc=hlc, body=body, chained=chained)
    return envelope


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
    return open_revision(envelope, epoch_keys, lookup).payload


def open_revision(envelope: object, epoch_keys: Mapping[int, bytes], lookup: signed.KeyLookup) -> Opened:
    """The verified payload of an envelope and its revision hash, following the order of checks in §7."""
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
    payload = signed.parse_payload("record", payload_bytes, signer, "author", (VERSION, CHAINED))
    return Opened(_check_payload(payload, ref), revision_hash(payload_bytes, signature))


def _check_payload(payload: dict[str, Any], ref: RecordRef) -> dict[str, Any]:
    chained = payload["v"] == CHAINED
    required = (*_PAYLOAD_FIELDS, *_CHAIN_FIELDS) if chained else _PAYLOAD_FIELDS
    deleted = payload.get("deleted")
    if chained and "seen" in payload:
        _seen_types(payload["seen"])
    # v was checked by parse_payload, as 1 or 2: expect_object's own check knows only 1.
    expect_object(payload, required[1:], ("v", *(() if deleted is True else ("body",))))
    if chained:
        _seen_encodings(payload["seen"])
    if deleted is not True and (deleted is not False or not isinstance(payload.get("body"), dict)):
        raise ProtocolError("malformed", "a record has a body unless it is deleted")
    unb64u_id(payload["change_id"])
    hlc = payload["hlc"]
    if not isinstance(hlc, str) or not _HLC.fullmatch(hlc) or hlc[19:] != payload["author"]:
        raise ProtocolError("malformed", "hlc is <13 digits>-<4 hex>-<author>")
    if chained and ((payload["prev"] is None) != (payload["n"] == 0) or payload["author"] in payload["seen"]):
        raise ProtocolError("malformed", "prev is null exactly for n 0, and seen names only other authors")
    signed_ref = RecordRef(
        unb64u_id(payload["circle_id"]), unb64u_id(payload["record_id"]), expect_int(payload["epoch"])
    )
    if signed_ref != ref:
        raise ProtocolError("context_mismatch", "the signed ids or epoch differ from the envelope's")
    return payload


def _seen_types(seen: object) -> None:
    """Step 11's JSON types of ``seen``: an object of at most 256 {n, hash} objects."""
    if not isinstance(seen, dict) or len(seen) > MAX_SEEN:
        raise ProtocolError("malformed", f"seen is an object of at most {MAX_SEEN} members")
    for claim in seen.values():
        if not isinstance(claim, dict) or claim.keys() != {"n", "hash"} or not isinstance(claim["hash"], str):
            raise ProtocolError("malformed", "a seen claim is {n, hash}")
        expect_int(claim["n"])


def _seen_encodings(seen: dict[str, Any]) -> None:
    for device, claim in seen.items():
        unb64u_id(device)
        unb64u(claim["hash"], 32)


def seen_links(payload: Mapping[str, Any]) -> dict[bytes, Link]:
    """The ``seen`` claims of a verified v2 payload, by device id."""
    return {unb64u_id(d): Link(c["n"], unb64u(c["hash"])) for d, c in payload["seen"].items()}


def link_of(opened: Opened) -> Link | None:
    """The revision's own link, or None for a v1 revision (no chain)."""
    payload = opened.payload
    return Link(payload["n"], opened.hash) if payload["v"] == CHAINED else None
