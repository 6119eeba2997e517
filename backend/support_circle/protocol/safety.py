"""Safety numbers (PROTOCOL.md §10): one number two people can read aloud to compare keys."""

from support_circle.protocol import primitives
from support_circle.protocol.identity import PublicIdentity

GROUPS = 8
_GROUP_BYTES = 5


def safety_number(a: PublicIdentity, b: PublicIdentity) -> str:
    """The same 40 digits for both people, whichever of them computes it."""
    lo, hi = sorted((a.sign_pub, b.sign_pub))
    # 40 bytes, 5 for each group: a 32-byte hash would leave the last group always 00000.
    digest = primitives.hkdf(lo + hi, b"", b"support-circle/v1/safety-number", GROUPS * _GROUP_BYTES)
    groups = (int.from_bytes(digest[_GROUP_BYTES * i : _GROUP_BYTES * (i + 1)], "big") % 100000 for i in range(GROUPS))
    return " ".join(f"{group:05d}" for group in groups)
