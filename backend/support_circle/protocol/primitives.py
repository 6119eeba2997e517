"""The audited primitives this protocol uses, from ``cryptography``, with errors mapped to codes.

Nothing here implements a primitive; each function names its RFC and turns the library's
exceptions into the ProtocolError the spec requires.
"""

import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.bindings import crypto_core_ed25519_is_valid_point

from support_circle.protocol.errors import ProtocolError

NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
SIGNATURE_BYTES = 64
HPKE_ENC_BYTES = 32

# RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.
_HPKE_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


def sha256(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()


def hkdf(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 HKDF-SHA256; an empty salt is the hash length of zeros, as the RFC says."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt or None, info=info).derive(ikm)


def aead_seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return AESGCM(key).encrypt(nonce, plaintext, aad)


def aead_open(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    if len(nonce) != NONCE_BYTES or len(ciphertext) < TAG_BYTES:
        raise ProtocolError("truncated", "nonce or ciphertext too short")
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag as exc:
        raise ProtocolError("decrypt_failed") from exc


def ed25519_public(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def ed25519_sign(seed: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def ed25519_verify(public: bytes, signature: bytes, message: bytes) -> None:
    """RFC 8032 §5.1.7 as §1 narrows it: OpenSSL's cofactorless check, with A and R refused unless
    they are canonical points of the prime-order subgroup (libsodium's check), so no small-order
    trick verifies here and not in the browser, or the other way round."""
    if len(signature) != SIGNATURE_BYTES or len(public) != KEY_BYTES:
        raise ProtocolError("bad_signature", "a signature is 64 bytes and a key 32")
    if not crypto_core_ed25519_is_valid_point(public) or not crypto_core_ed25519_is_valid_point(signature[:32]):
        raise ProtocolError("bad_signature", "not a point of the prime-order subgroup")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise ProtocolError("bad_signature") from exc


def x25519_public(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def hpke_seal(recipient_public: bytes, info: bytes, plaintext: bytes) -> bytes:
    """RFC 9180 SealBase, single shot, empty aad: returns ``enc || ciphertext``."""
    return _HPKE_SUITE.encrypt(plaintext, X25519PublicKey.from_public_bytes(recipient_public), info=info)


def hpke_open(recipient_private: bytes, info: bytes, sealed: bytes) -> bytes:
    if len(sealed) < HPKE_ENC_BYTES + TAG_BYTES:
        raise ProtocolError("truncated", "sealed key too short")
    try:
        return _HPKE_SUITE.decrypt(sealed, X25519PrivateKey.from_private_bytes(recipient_private), info=info)
    except (InvalidTag, ValueError) as exc:
        raise ProtocolError("decrypt_failed") from exc


def argon2id(password: bytes, salt: bytes, *, m_kib: int, t: int, p: int) -> bytes:
    """RFC 9106 Argon2id, version 0x13, 32-byte tag, no secret and no associated data."""
    return Argon2id(salt=salt, length=KEY_BYTES, iterations=t, lanes=p, memory_cost=m_kib).derive(password)
