"""The recovery escrow (PROTOCOL.md §15) beyond the shared vectors: round trips, and the
derivations recomputed from the spec's words with the standard library alone."""

import hashlib
import hmac
from typing import Any

import pytest

from support_circle.protocol import ProtocolError, escrow, primitives
from support_circle.protocol.encoding import b64u, ctx, dump_json
from support_circle.protocol.escrow import EscrowContent
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.membership import Head
from support_circle.protocol.padding import pad


def _content(seq: int = 2) -> EscrowContent:
    head = Head(seq, primitives.random_bytes(32))
    return EscrowContent(DeviceKeys.generate(), primitives.random_bytes(16), primitives.random_bytes(32), head)


def _sealed_document(recovery_key: bytes, document: dict[str, Any]) -> dict[str, Any]:
    """An escrow around any content object, as its maker (who has the key) could seal one."""
    escrow_id = escrow.escrow_id(recovery_key)
    nonce = primitives.random_bytes(primitives.NONCE_BYTES)
    aad = ctx("support-circle/v1/escrow", escrow_id)
    ct = primitives.aead_seal(escrow.escrow_key(recovery_key), nonce, pad(dump_json(document)), aad)
    return {"v": 1, "nonce": b64u(nonce), "ct": b64u(ct)}


def _hkdf_empty_salt(ikm: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 by hand: an empty salt is 32 zero bytes; one block of output is enough here."""
    prk = hmac.new(bytes(32), ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:length]


def test_a_new_device_opens_with_the_recovery_key_what_the_vault_sealed_with_id_and_key() -> None:
    recovery_key, content = primitives.random_bytes(32), _content()
    # The vault keeps the id and the key, never the recovery key itself.
    kept_id, kept_key = escrow.escrow_id(recovery_key), escrow.escrow_key(recovery_key)
    sealed = escrow.seal_escrow(kept_id, kept_key, content)
    assert escrow.open_with_recovery_key(recovery_key, sealed) == content
    assert escrow.open_escrow(kept_id, kept_key, sealed) == content


def test_the_derivations_are_the_specs() -> None:
    recovery_key = primitives.random_bytes(32)
    assert escrow.escrow_id(recovery_key) == _hkdf_empty_salt(recovery_key, b"support-circle/v1/escrow-id", 16)
    assert escrow.escrow_key(recovery_key) == _hkdf_empty_salt(recovery_key, b"support-circle/v1/escrow-key", 32)


def test_sealing_again_gives_a_new_ciphertext_of_the_same_bucket() -> None:
    recovery_key, content = primitives.random_bytes(32), _content()
    kept_id, kept_key = escrow.escrow_id(recovery_key), escrow.escrow_key(recovery_key)
    one, two = (escrow.seal_escrow(kept_id, kept_key, content) for _ in range(2))
    assert one["nonce"] != two["nonce"] and one["ct"] != two["ct"]
    assert len(one["ct"]) == len(two["ct"])


@pytest.mark.parametrize("length", [0, 16, 31, 33])
def test_a_recovery_key_is_32_bytes(length: int) -> None:
    with pytest.raises(ProtocolError) as refused:
        escrow.escrow_id(bytes(length))
    assert refused.value.code == "bad_encoding"


@pytest.mark.parametrize("seq", [0, 1, 2**32 - 1])
def test_the_head_comes_back_as_it_was_sealed(seq: int) -> None:
    recovery_key, content = primitives.random_bytes(32), _content(seq)
    document = content.document()
    assert document["head"] == {"seq": seq, "hash": b64u(content.head.hash)}
    opened = escrow.open_with_recovery_key(recovery_key, _sealed_document(recovery_key, document))
    assert opened.head == content.head and opened == content


@pytest.mark.parametrize(
    ("head", "code"),
    [
        ({"seq": 2**32}, "malformed"),
        ({"seq": -1}, "malformed"),
        ({"seq": True}, "malformed"),
        ({"seq": False}, "malformed"),
        ({"seq": 1.0}, "malformed"),
        ({"seq": "1"}, "malformed"),
        ({"seq": None}, "malformed"),
        ({"hash": None}, "malformed"),
        ({"hash": b64u(bytes(31))}, "bad_encoding"),
        ({"hash": b64u(bytes(33))}, "bad_encoding"),
        ({"epoch": 0}, "malformed"),
        # A head that is wrong in its shape is malformed before a hash is looked at.
        ({"seq": -1, "hash": b64u(bytes(31))}, "malformed"),
    ],
)
def test_a_head_other_than_seq_and_a_32_byte_hash_is_refused(head: dict[str, Any], code: str) -> None:
    recovery_key = primitives.random_bytes(32)
    document = _content().document()
    document["head"] = {**document["head"], **head}
    with pytest.raises(ProtocolError) as refused:
        escrow.open_with_recovery_key(recovery_key, _sealed_document(recovery_key, document))
    assert refused.value.code == code


@pytest.mark.parametrize("head", [None, [], {"seq": 0}, {"hash": b64u(bytes(32))}, "0"])
def test_a_head_missing_or_not_an_object_of_seq_and_hash_is_malformed(head: object) -> None:
    recovery_key = primitives.random_bytes(32)
    document: dict[str, Any] = {name: value for name, value in _content().document().items() if name != "head"}
    if head is not None:
        document["head"] = head
    with pytest.raises(ProtocolError) as refused:
        escrow.open_with_recovery_key(recovery_key, _sealed_document(recovery_key, document))
    assert refused.value.code == "malformed"
