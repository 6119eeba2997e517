"""What each member name of the protocol's JSON objects holds (PROTOCOL.md §1, "Member types").

Every name means one thing wherever it appears, so one table gives each its JSON type and, for
b64u members, the decoded length §1 fixes. ``encoding.expect_object`` checks members against it
(§1 steps 7 and 8); names not listed here belong to no protocol object and are left to the caller.
"""

from typing import Literal

Kind = Literal["b64u", "b64u16", "b64u32", "u32", "u53", "integer", "string", "time", "boolean", "object"]

_BY_KIND: dict[Kind, tuple[str, ...]] = {
    # Ids, and the one other 16-byte value, the vault's Argon2id salt.
    "b64u16": (
        "device_id",
        "circle_id",
        "record_id",
        "change_id",
        "invite_id",
        "vault_id",
        "signer",
        "author",
        "recipient",
        "salt",
    ),
    "b64u32": (
        "sign_pub",
        "kem_pub",
        "auth_pub",
        "sign_seed",
        "kem_private",
        "genesis_hash",
        "key_commitment",
        "hash",
        "entry_hash",
        "prev",
    ),
    # Lengths the sections check themselves, each with its own code (truncated, bad_signature, bad_proof).
    "b64u": ("payload", "sig", "nonce", "ct", "sealed", "proof"),
    # A change log position (§8): any integer both JSON readers hold exactly.
    "u53": ("changes",),
    # n: a revision's place in its author's chain (§7).
    "u32": ("epoch", "seq", "n", "counter"),
    # The Argon2id parameters: any integer here, their range is §5's weak_parameters.
    "integer": ("m_kib", "t", "p"),
    "string": ("type", "op", "role", "alg", "hlc"),
    "time": ("expires_at",),
    "boolean": ("deleted",),
    "object": (
        "kdf",
        "passphrase_wrap",
        "recovery_wrap",
        "member",
        "identity",
        "inviter",
        "invite",
        "device",
        "head",
        "body",
        "seen",
    ),
}

MEMBER_KINDS: dict[str, Kind] = {name: kind for kind, names in _BY_KIND.items() for name in names}

# Members that may also be null: the genesis entry's prev, and an unsigned object's sig (§2).
NULLABLE = frozenset({"prev", "sig"})

B64U_LENGTHS: dict[Kind, int | None] = {"b64u": None, "b64u16": 16, "b64u32": 32}
