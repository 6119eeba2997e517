"""What the server did, in words, when the client refuses what it served.

The protocol names a refusal by its code (PROTOCOL.md §11); a person or a tool using the client
also needs to know which object was refused and what the server must have done to it. The
``refused`` context re-raises a ``ProtocolError`` with the same code and that explanation.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from support_circle.protocol import ProtocolError

DAMAGED = "the server sent it damaged or altered"

RECORD: Mapping[str, str] = {
    "decrypt_failed": (
        "its ciphertext does not open under the circle's key for its place: the server altered it, "
        "or moved it here from another record or another circle"
    ),
    "unknown_epoch": "it is sealed under a key epoch this device was never given by the server",
    "unknown_author": "it is signed by a device that was not a member during its epoch: a forged record",
    "bad_signature": "its author's signature does not verify: the server altered or forged it",
    "missing_signature": "it carries no author's signature: the server forged it",
    "context_mismatch": "its signed ids or epoch are not the ones it was served under: the server moved it",
}

LOG: Mapping[str, str] = {
    "genesis_mismatch": "it does not begin at the circle this device trusts: the server served another log",
    "broken_chain": "an entry is out of sequence or not chained to the one before: the server dropped, "
    "inserted or reordered an entry",
    "unknown_author": "an entry is signed by a device that is not a member: the server injected it",
    "bad_signature": "an entry's signature does not verify: the server altered or forged it",
    "not_admin": "an entry is signed by a member who is not an admin, so it was not allowed",
    "invalid_operation": "an entry makes a change the circle's rules do not allow",
    "context_mismatch": "an entry belongs to another circle, or names another signer than its own",
    "rolled_back": "it is shorter than, or differs from, the log this device already verified: "
    "the server rolled the circle's membership back",
}

KEY: Mapping[str, str] = {
    "key_mismatch": "the key inside is not the one the signed membership log commits to: the server "
    "swapped in a key of its own making or another epoch's",
    "decrypt_failed": "it does not open with this device's key: the server altered it or relabelled its epoch",
    "context_mismatch": "it is sealed to another device",
    "unknown_epoch": "it is for an epoch the signed membership log does not have",
    "truncated": "it is too short to hold a key: the server damaged it",
}

INVITE: Mapping[str, str] = {
    "context_mismatch": "the admin signed it for another link: whoever made this link took the admin's "
    "invite out of theirs and wrapped it in this one. Ask the admin, in person, for a new link",
    "expired": "it has expired. Ask the admin for a new link",
    "unknown_author": "it is not signed by the admin it names: a forged invite",
    "decrypt_failed": "it does not open with this link: the link is mistyped, or the server altered the invite",
}


@contextmanager
def refused(what: str, reasons: Mapping[str, str]) -> Iterator[None]:
    """Inside, a ``ProtocolError`` about ``what`` gains the explanation its code has in ``reasons``."""
    try:
        yield
    except ProtocolError as error:
        reason = reasons.get(error.code, DAMAGED)
        detail = str(error).removeprefix(error.code).removeprefix(": ")
        detail = "" if detail in reason else detail
        raise ProtocolError(error.code, f"{what} was refused: {reason}" + (f" ({detail})" if detail else "")) from error
