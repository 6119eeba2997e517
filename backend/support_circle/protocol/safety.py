"""Safety numbers (PROTOCOL.md §10): one number two people can read aloud to compare keys."""

from support_circle.protocol import primitives
from support_circle.protocol.encoding import ctx
from support_circle.protocol.identity import PublicIdentity

GROUPS = 8


def safety_number(a: PublicIdentity, b: PublicIdentity) -> str:
    """The same 40 digits for both people, whichever of them computes it."""
    lo, hi = sorted((a.sign_pub, b.sign_pub))
    digest = primitives.sha256(ctx("support-circle/v1/safety-number", lo, hi))
    groups = (int.from_bytes(digest[5 * i : 5 * i + 5], "big") % 100000 for i in range(GROUPS))
    return " ".join(f"{group:05d}" for group in groups)
