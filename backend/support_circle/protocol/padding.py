"""Size buckets (PROTOCOL.md §4): ciphertext lengths reveal only a power of two."""

from support_circle.protocol.errors import ProtocolError

MIN_BUCKET = 256
MAX_BUCKET = 65536
BUCKETS = tuple(1 << n for n in range(8, 17))


def bucket_for(length: int) -> int:
    for bucket in BUCKETS:
        if length < bucket:
            return bucket
    raise ProtocolError("too_large", f"{length} bytes is more than a record may hold")


def pad(message: bytes) -> bytes:
    size = bucket_for(len(message))
    return message + b"\x80" + b"\x00" * (size - len(message) - 1)


def unpad(padded: bytes) -> bytes:
    if len(padded) not in BUCKETS:
        raise ProtocolError("bad_padding", "length is not a bucket")
    stripped = padded.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise ProtocolError("bad_padding", "no 0x80 marker")
    return stripped[:-1]
