"""The protocol's one exception, carrying a code from shared_schema/PROTOCOL.md §11."""

from typing import Literal

ErrorCode = Literal[
    "bad_encoding",
    "malformed",
    "unsupported_version",
    "truncated",
    "too_large",
    "bad_padding",
    "decrypt_failed",
    "missing_signature",
    "bad_signature",
    "wrong_type",
    "identity_mismatch",
    "context_mismatch",
    "unknown_author",
    "unknown_epoch",
    "key_mismatch",
    "not_admin",
    "broken_chain",
    "genesis_mismatch",
    "invalid_operation",
    "rolled_back",
    "epoch_ended",
    "clock_ahead",
    "withheld",
    "weak_parameters",
    "wrong_passphrase",
    "wrong_recovery_key",
    "recovery_key_typo",
    "expired",
    "bad_proof",
]


class ProtocolError(Exception):
    """A protocol object was refused; ``code`` says why, in the words every implementation uses."""

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: ErrorCode = code
