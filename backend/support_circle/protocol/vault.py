"""The local vault (PROTOCOL.md §5): a random vault key, wrapped by passphrase and by recovery key."""

import unicodedata
from dataclasses import dataclass
from typing import Any

from support_circle.protocol import primitives
from support_circle.protocol.encoding import (
    ID_BYTES,
    VERSION,
    b64u,
    ctx,
    expect_int,
    expect_object,
    unb64u,
    unb64u_id,
)
from support_circle.protocol.errors import ErrorCode, ProtocolError
from support_circle.protocol.padding import pad, unpad

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = {"O": "0", "I": "1", "L": "1"}
# Skipped when reading a recovery key (§5): space, tab, line feed, carriage return and hyphen-minus.
_SEPARATORS = frozenset(" \t\n\r-")
RECOVERY_KEY_BYTES = 32
_RECOVERY_CHECK_BYTES = 3
RECOVERY_TEXT_SYMBOLS = 56
SALT_BYTES = 16
# A wrap seals the 32-byte vault key: its ct is the key and the 16-byte tag, never another length.
_WRAP_CT_BYTES = primitives.KEY_BYTES + primitives.TAG_BYTES
_WRAPS = ("passphrase_wrap", "recovery_wrap")


@dataclass(frozen=True)
class Argon2Parameters:
    m_kib: int = 65536
    t: int = 3
    p: int = 1


DEFAULT_PARAMETERS = Argon2Parameters()
# Reserved for test vectors only (PROTOCOL.md §5): fast, and refused unless a caller asks for them.
VECTOR_PARAMETERS = Argon2Parameters(m_kib=64, t=1, p=1)
# The range every reader enforces (§5, §13): at least OWASP's minimum, at most what a 2019 phone's
# browser unlocks in a few seconds.
FLOOR = Argon2Parameters(m_kib=19456, t=2, p=1)
CEILING = Argon2Parameters(m_kib=131072, t=4, p=4)
_ANY_INT = 2**53 - 1


@dataclass(frozen=True)
class NewVault:
    """What creating a vault yields: the stored object, the key it protects and the recovery text."""

    vault: dict[str, Any]
    vault_key: bytes
    recovery_text: str


def _wrap_aad(vault_id: bytes, kind: str) -> bytes:
    return ctx("support-circle/v1/vault-wrap", vault_id, kind.encode())


def _recovery_wrap_key(recovery_key: bytes, vault_id: bytes) -> bytes:
    return primitives.hkdf(recovery_key, vault_id, b"support-circle/v1/recovery-wrap", 32)


def _passphrase_key(passphrase: str, salt: bytes, params: Argon2Parameters) -> bytes:
    password = unicodedata.normalize("NFC", passphrase).encode()
    return primitives.argon2id(password, salt, m_kib=params.m_kib, t=params.t, p=params.p)


def _wrap(key: bytes, vault_key: bytes, aad: bytes) -> dict[str, str]:
    nonce = primitives.random_bytes(primitives.NONCE_BYTES)
    return {"nonce": b64u(nonce), "ct": b64u(primitives.aead_seal(key, nonce, vault_key, aad))}


def create_vault(
    passphrase: str, params: Argon2Parameters = DEFAULT_PARAMETERS, *, allow_vector_parameters: bool = False
) -> NewVault:
    """A new vault; ``weak_parameters`` for parameters a reader would refuse (§5)."""
    check_parameters(params, allow_vector_parameters=allow_vector_parameters)
    vault_id, salt = primitives.random_bytes(ID_BYTES), primitives.random_bytes(SALT_BYTES)
    vault_key, recovery_key = primitives.random_bytes(32), primitives.random_bytes(RECOVERY_KEY_BYTES)
    vault = {
        "v": VERSION,
        "vault_id": b64u(vault_id),
        "kdf": _kdf(salt, params),
        "passphrase_wrap": _wrap(
            _passphrase_key(passphrase, salt, params), vault_key, _wrap_aad(vault_id, "passphrase")
        ),
        "recovery_wrap": _wrap(_recovery_wrap_key(recovery_key, vault_id), vault_key, _wrap_aad(vault_id, "recovery")),
    }
    return NewVault(vault, vault_key, recovery_key_to_text(recovery_key))


def _kdf(salt: bytes, params: Argon2Parameters) -> dict[str, Any]:
    return {"alg": "argon2id", "salt": b64u(salt), "m_kib": params.m_kib, "t": params.t, "p": params.p}


@dataclass(frozen=True)
class _Wrap:
    nonce: bytes
    ct: bytes


@dataclass(frozen=True)
class _ParsedVault:
    vault_id: bytes
    salt: bytes
    params: Argon2Parameters
    wraps: dict[str, _Wrap]


def _parse_vault(vault: object) -> _ParsedVault:
    """§5's checks 1 to 4, the same whichever wrap is opened: the whole object, in this order.

    expect_object runs §1's steps on each object as §5 reads it: the vault, its kdf, each wrap.
    """
    fields = expect_object(vault, ("v", "vault_id", "kdf", *_WRAPS))
    kdf = expect_object(fields["kdf"], ("alg", "salt", "m_kib", "t", "p"))
    if kdf["alg"] != "argon2id":
        raise ProtocolError("malformed", "unknown key derivation")
    wraps = {name: expect_object(fields[name], ("nonce", "ct")) for name in _WRAPS}
    decoded = {name: _Wrap(unb64u(wrap["nonce"]), unb64u(wrap["ct"])) for name, wrap in wraps.items()}
    for wrap in decoded.values():
        if len(wrap.nonce) != primitives.NONCE_BYTES or len(wrap.ct) < _WRAP_CT_BYTES:
            raise ProtocolError("truncated", "a wrap's nonce is 12 bytes and its ct 48")
        if len(wrap.ct) > _WRAP_CT_BYTES:
            raise ProtocolError("malformed", "a wrap's ct is 48 bytes")
    # Any integer parses; whether it is acceptable is the range check's word (weak_parameters).
    params = Argon2Parameters(*(expect_int(kdf[name], -_ANY_INT, _ANY_INT) for name in ("m_kib", "t", "p")))
    return _ParsedVault(unb64u_id(fields["vault_id"]), unb64u(kdf["salt"], SALT_BYTES), params, decoded)


def check_parameters(params: Argon2Parameters, *, allow_vector_parameters: bool = False) -> None:
    """``weak_parameters`` outside FLOOR..CEILING; VECTOR_PARAMETERS pass only when a test asks."""
    in_range = all(
        getattr(FLOOR, name) <= getattr(params, name) <= getattr(CEILING, name) for name in ("m_kib", "t", "p")
    )
    if not in_range and not (allow_vector_parameters and params == VECTOR_PARAMETERS):
        raise ProtocolError("weak_parameters")


def _unwrap(wrap: _Wrap, key: bytes, aad: bytes, failure: ErrorCode) -> bytes:
    try:
        return primitives.aead_open(key, wrap.nonce, wrap.ct, aad)
    except ProtocolError as exc:
        if exc.code == "decrypt_failed":
            raise ProtocolError(failure) from exc
        raise


def unlock_with_passphrase(vault: object, passphrase: str, *, allow_vector_parameters: bool = False) -> bytes:
    """The vault key; ``wrong_passphrase`` when the passphrase is not the one it was made with."""
    parsed = _parse_vault(vault)
    check_parameters(parsed.params, allow_vector_parameters=allow_vector_parameters)
    key = _passphrase_key(passphrase, parsed.salt, parsed.params)
    aad = _wrap_aad(parsed.vault_id, "passphrase")
    return _unwrap(parsed.wraps["passphrase_wrap"], key, aad, "wrong_passphrase")


def unlock_with_recovery(vault: object, recovery_text: str) -> bytes:
    """The vault key; ``recovery_key_typo`` for a mistyped text, ``wrong_recovery_key`` for another key."""
    parsed = _parse_vault(vault)
    key = _recovery_wrap_key(recovery_key_from_text(recovery_text), parsed.vault_id)
    aad = _wrap_aad(parsed.vault_id, "recovery")
    return _unwrap(parsed.wraps["recovery_wrap"], key, aad, "wrong_recovery_key")


def rewrap_passphrase(
    vault: dict[str, Any],
    vault_key: bytes,
    passphrase: str,
    params: Argon2Parameters,
    *,
    allow_vector_parameters: bool = False,
) -> dict[str, Any]:
    """The vault with a new passphrase or stronger parameters; the recovery wrap is kept."""
    check_parameters(params, allow_vector_parameters=allow_vector_parameters)
    vault_id, salt = unb64u_id(vault["vault_id"]), primitives.random_bytes(SALT_BYTES)
    key = _passphrase_key(passphrase, salt, params)
    return {
        **vault,
        "kdf": _kdf(salt, params),
        "passphrase_wrap": _wrap(key, vault_key, _wrap_aad(vault_id, "passphrase")),
    }


def _recovery_check(recovery_key: bytes) -> bytes:
    return primitives.sha256(ctx("support-circle/v1/recovery-check", recovery_key))[:_RECOVERY_CHECK_BYTES]


def recovery_key_to_text(recovery_key: bytes) -> str:
    data = recovery_key + _recovery_check(recovery_key)
    number, bits = int.from_bytes(data, "big"), len(data) * 8
    symbols = [CROCKFORD[(number >> (bits - 5 * (i + 1))) & 31] for i in range(bits // 5)]
    return " ".join("".join(symbols[i : i + 4]) for i in range(0, len(symbols), 4))


def recovery_key_from_text(text: str) -> bytes:
    """The key in a text a person typed (§5): separators skipped, ASCII letters in either case."""
    cleaned = []
    for c in text:
        if c in _SEPARATORS:
            continue
        # ASCII only: str.upper() folds some non-ASCII letters into ASCII ones (a dotless i into I).
        upper = c.upper() if "a" <= c <= "z" else c
        cleaned.append(_READ_AS.get(upper, upper))
    if len(cleaned) != RECOVERY_TEXT_SYMBOLS or any(c not in CROCKFORD for c in cleaned):
        raise ProtocolError("recovery_key_typo", "a recovery key is 56 letters and digits")
    number = 0
    for c in cleaned:
        number = number << 5 | CROCKFORD.index(c)
    data = number.to_bytes(RECOVERY_KEY_BYTES + _RECOVERY_CHECK_BYTES, "big")
    recovery_key, check = data[:RECOVERY_KEY_BYTES], data[RECOVERY_KEY_BYTES:]
    if check != _recovery_check(recovery_key):
        raise ProtocolError("recovery_key_typo", "the check does not match")
    return recovery_key


def _local_key(vault_key: bytes, vault_id: bytes) -> bytes:
    return primitives.hkdf(vault_key, vault_id, b"support-circle/v1/local-key", 32)


def _local_aad(vault_id: bytes, store: str, key: str) -> bytes:
    return ctx("support-circle/v1/local", vault_id, store.encode(), key.encode())


def seal_local(vault_key: bytes, vault_id: bytes, store: str, key: str, plaintext: bytes) -> dict[str, Any]:
    nonce = primitives.random_bytes(primitives.NONCE_BYTES)
    ct = primitives.aead_seal(_local_key(vault_key, vault_id), nonce, pad(plaintext), _local_aad(vault_id, store, key))
    return {"v": VERSION, "nonce": b64u(nonce), "ct": b64u(ct)}


def open_local(vault_key: bytes, vault_id: bytes, store: str, key: str, item: object) -> bytes:
    """The plaintext; ``decrypt_failed`` when the item was changed or copied to another store or key."""
    fields = expect_object(item, ("v", "nonce", "ct"))
    nonce, ct = unb64u(fields["nonce"]), unb64u(fields["ct"])
    padded = primitives.aead_open(_local_key(vault_key, vault_id), nonce, ct, _local_aad(vault_id, store, key))
    return unpad(padded)
