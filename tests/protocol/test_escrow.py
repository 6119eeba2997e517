"""The recovery escrow (PROTOCOL.md §15) beyond the shared vectors: round trips, and the
derivations recomputed from the spec's words with the standard library alone."""

import hashlib
import hmac

import pytest

from support_circle.protocol import ProtocolError, escrow, primitives
from support_circle.protocol.escrow import EscrowContent
from support_circle.protocol.identity import DeviceKeys


def _content() -> EscrowContent:
    return EscrowContent(DeviceKeys.generate(), primitives.random_bytes(16), primitives.random_bytes(32))


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
