"""Signed objects (PROTOCOL.md §2): the exact bytes signed travel with the signature."""

from collections.abc import Callable, Collection, Mapping
from typing import Any

from support_circle.protocol import primitives
from support_circle.protocol.encoding import (
    VERSION,
    b64u,
    ctx,
    dump_json,
    expect_object,
    is_version,
    parse_json,
    unb64u,
    unb64u_id,
)
from support_circle.protocol.errors import ProtocolError

SignedObject = dict[str, Any]
# Given a signer's device id, the sign_pub the verifier trusts for it (or None: unknown_author).
KeyLookup = Callable[[bytes], bytes | None]


def signing_input(object_type: str, payload: bytes) -> bytes:
    return ctx("support-circle/v1/signed/" + object_type, payload)


def sign(seed: bytes, signer_id: bytes, payload: Mapping[str, Any]) -> SignedObject:
    """Signs the JSON bytes of ``payload`` (whose ``type`` names the domain) as ``signer_id``."""
    payload_bytes = dump_json(payload)
    signature = primitives.ed25519_sign(seed, signing_input(payload["type"], payload_bytes))
    return {"v": VERSION, "signer": b64u(signer_id), "payload": b64u(payload_bytes), "sig": b64u(signature)}


def decode(signed: object) -> tuple[bytes, bytes, bytes]:
    """``(signer, payload, sig)`` of a signed object, checked for form only (§2 step 1).

    §1's steps first (``unsupported_version``, ``malformed``, ``bad_encoding``); then a ``sig``
    that is absent, null or empty is ``missing_signature``, one not of 64 bytes ``bad_signature``.
    """
    fields = expect_object(signed, ("v", "signer", "payload"), ("sig",))
    signer = unb64u_id(fields["signer"])
    payload = unb64u(fields["payload"])
    if fields.get("sig") in (None, ""):
        raise ProtocolError("missing_signature")
    signature = unb64u(fields["sig"])
    if len(signature) != primitives.SIGNATURE_BYTES:
        raise ProtocolError("bad_signature", "a signature is 64 bytes")
    return signer, payload, signature


def verify_bytes(object_type: str, sign_pub: bytes, payload: bytes, signature: bytes) -> None:
    primitives.ed25519_verify(sign_pub, signature, signing_input(object_type, payload))


def payload_header(document: object, object_type: str, versions: Collection[int] = (VERSION,)) -> dict[str, Any]:
    """A payload's first checks (§2 step 4): a JSON object, of a version the type has (an absent
    ``v`` is none), of the expected type (an absent ``type``, or one that is not a string, is not)."""
    if not isinstance(document, dict):
        raise ProtocolError("malformed", "a payload is a JSON object")
    if not is_version(document.get("v"), versions):
        raise ProtocolError("unsupported_version", f"v={document.get('v')!r}")
    if document.get("type") != object_type:
        raise ProtocolError("wrong_type", f"expected {object_type}")
    return document


def parse_payload(
    object_type: str, payload: bytes, signer: bytes, signer_field: str, versions: Collection[int] = (VERSION,)
) -> dict[str, Any]:
    """The verified payload as JSON, checked for version, type and the signer it names.

    The signer field absent or not a string is ``malformed``, not a canonical id ``bad_encoding``,
    another device than the outer signer ``context_mismatch`` (§2 step 4).
    """
    document = payload_header(parse_json(payload), object_type, versions)
    if unb64u_id(document.get(signer_field)) != signer:
        raise ProtocolError("context_mismatch", f"payload {signer_field} is not the signer")
    return document


def verify(
    signed: object,
    object_type: str,
    lookup: KeyLookup,
    signer_field: str = "signer",
    versions: Collection[int] = (VERSION,),
) -> dict[str, Any]:
    """Verifies before parsing: the payload is read only once its signature holds."""
    signer, payload, signature = decode(signed)
    sign_pub = lookup(signer)
    if sign_pub is None:
        raise ProtocolError("unknown_author", "the signer is not trusted here")
    verify_bytes(object_type, sign_pub, payload, signature)
    return parse_payload(object_type, payload, signer, signer_field, versions)
