"""Form checks of sealed objects the server stores but cannot open (invite records, escrows)."""

from support_circle.errors import Rejected
from support_circle.protocol import ProtocolError
from support_circle.protocol.encoding import unb64u
from support_circle.protocol.padding import BUCKETS
from support_circle.protocol.primitives import NONCE_BYTES, TAG_BYTES


def decode(text: str, what: str, length: int | None = None) -> bytes:
    """b64u ``text`` of ``length`` bytes, or a 422 that names ``what`` it is part of."""
    try:
        return unb64u(text, length)
    except ProtocolError as exc:
        raise Rejected(exc.code, f"Part of the {what} is not encoded as the protocol says. Update the app.") from exc


def check_sealed(nonce: str, ct: str, what: str) -> bytes:
    """The ciphertext, once the nonce and ciphertext have the form of an AEAD seal; 422 otherwise."""
    decode(nonce, what, NONCE_BYTES)
    sealed = decode(ct, what)
    if len(sealed) < TAG_BYTES:
        raise Rejected("truncated", f"The {what} is too short to be one. Update the app and try again.")
    return sealed


def check_padded(sealed: bytes, what: str) -> None:
    """422 unless ``sealed`` is as long as a padded plaintext (§4) and its tag can be.

    Every ciphertext the protocol stores seals a padded plaintext, so its length is a bucket plus
    the tag: an empty or odd-sized one is not one, whatever it holds.
    """
    if len(sealed) < TAG_BYTES:
        raise Rejected("truncated", f"The {what} is too short to be one. Update the app and try again.")
    if len(sealed) - TAG_BYTES not in BUCKETS:
        raise Rejected("bad_padding", f"The {what} is not the size of a padded one. Update the app and try again.")
