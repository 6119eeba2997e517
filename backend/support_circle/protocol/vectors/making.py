"""Shared tools of the vector builders: fixed or random keys, and small ways to break objects."""

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

from support_circle.protocol import primitives
from support_circle.protocol.encoding import b64u, ctx, unb64u

Vector = dict[str, Any]

# The seed of the stream drawn from now, for substream(); None when the draws are random.
_seed: bytes | None = None


@contextlib.contextmanager
def randomness(seed: bytes | None) -> Iterator[None]:
    """With a seed, every key and nonce the protocol draws comes from it, so files are reproducible.

    HPKE's ephemeral keys are drawn inside ``cryptography`` and stay random.
    """
    global _seed
    if seed is None:
        yield
        return
    counter = 0

    def drbg(n: int) -> bytes:
        nonlocal counter
        out = b""
        while len(out) < n:
            counter += 1
            out += primitives.sha256(seed + counter.to_bytes(8, "big"))
        return out[:n]

    original, outer_seed = primitives.random_bytes, _seed
    primitives.random_bytes, _seed = drbg, seed
    try:
        yield
    finally:
        primitives.random_bytes, _seed = original, outer_seed


def substream(label: str) -> contextlib.AbstractContextManager[None]:
    """Draws from a stream of their own, named ``label``, leaving the main stream where it is.

    Vectors added to a builder draw here, so every file built after them keeps its bytes (the
    committed files must be what the generator makes, and other groups' files are not theirs to
    change). Without a seed the draws stay random.
    """
    return randomness(None if _seed is None else _seed + b"/" + label.encode())


def vector(name: str, comment: str, expect: str = "ok", **fields: Any) -> Vector:
    return {"name": name, "comment": comment, "expect": expect, **fields}


def flip(text: str, index: int = -1) -> str:
    """The b64u text with one bit of one byte changed."""
    data = bytearray(unb64u(text))
    data[index] ^= 0x01
    return b64u(bytes(data))


def changed(document: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**copy.deepcopy(document), **fields}


def group_file(group: str, description: str, vectors: list[Vector]) -> dict[str, Any]:
    return {"group": group, "description": description, "vectors": vectors}


def signed_bytes(seed: bytes, signer_id: bytes, object_type: str, payload: bytes) -> dict[str, Any]:
    """A signed object over exactly ``payload``, bytes no serialiser would write (§2 signs bytes)."""
    signature = primitives.ed25519_sign(seed, ctx("support-circle/v1/signed/" + object_type, payload))
    return {"v": 1, "signer": b64u(signer_id), "payload": b64u(payload), "sig": b64u(signature)}
