"""Byte encodings of PROTOCOL.md §1: canonical base64url, ids, ctx() and strict JSON."""

import base64
import binascii
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.members import B64U_LENGTHS, MEMBER_KINDS, NULLABLE

VERSION = 1
ID_BYTES = 16
_B64U = re.compile(r"[A-Za-z0-9_-]*")


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64u(text: object, length: int | None = None) -> bytes:
    """Decodes canonical unpadded base64url; a string that is not that is ``bad_encoding``.

    A value that is not a string at all (a number, null, an absent member) is ``malformed``: a
    wrong JSON type, §1 step 7, not a wrong spelling of bytes.
    """
    if not isinstance(text, str):
        raise ProtocolError("malformed", "base64url is a JSON string")
    if not _B64U.fullmatch(text) or len(text) % 4 == 1:
        raise ProtocolError("bad_encoding", "not canonical base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ProtocolError("bad_encoding", "not base64url") from exc
    if b64u(data) != text:
        raise ProtocolError("bad_encoding", "non-zero trailing bits")
    if length is not None and len(data) != length:
        raise ProtocolError("bad_encoding", f"expected {length} bytes")
    return data


def unb64u_id(text: object) -> bytes:
    return unb64u(text, ID_BYTES)


def u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def lp(data: bytes) -> bytes:
    return u32(len(data)) + data


def ctx(label: str, *fields: bytes) -> bytes:
    """The input of every hash, signature, AEAD aad and HPKE info (§1); never an HKDF info or salt."""
    return lp(label.encode()) + b"".join(lp(f) for f in fields)


MAX_DEPTH = 128
MAX_SAFE_INTEGER = 2**53 - 1


def is_version(value: object, versions: Collection[int] = (VERSION,)) -> bool:
    """One of ``versions``, as integers only: ``True`` and ``1.0`` compare equal to 1 in Python, and are refused."""
    return type(value) is int and value in versions


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ProtocolError("malformed", f"duplicate member {key!r}")
        result[key] = value
    return result


def parse_json(data: bytes) -> Any:
    """Strict JSON (§1): UTF-8 without BOM, no duplicate names, numbers every implementation reads alike."""
    try:
        document = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_int=_safe_int,
            parse_float=_finite_float,
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ProtocolError("malformed", "not JSON") from exc
    _check_tree(document)
    return document


def _reject_constant(name: str) -> None:
    raise ProtocolError("malformed", f"{name} is not JSON")


def _safe_int(text: str) -> int:
    if len(text) > 17 or abs(int(text)) > MAX_SAFE_INTEGER:
        raise ProtocolError("malformed", "an integer beyond 2^53 - 1")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ProtocolError("malformed", "a number beyond a double's range")
    return value


# Only a \u escape can put one in a string: strict UTF-8 decoding has refused every other way.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _check_tree(document: Any) -> None:
    """Refuses more than MAX_DEPTH nested arrays and objects (a top-level object is depth 1), and
    a string or member name holding a lone surrogate, which no UTF-8 can carry (§1)."""
    level, depth = [document], 0
    while level:
        children: list[Any] = []
        for node in level:
            if isinstance(node, str):
                _no_surrogate(node)
            elif isinstance(node, dict):
                for name, child in node.items():
                    _no_surrogate(name)
                    children.append(child)
            elif isinstance(node, list):
                children.extend(node)
        if any(isinstance(node, dict | list) for node in level):
            depth += 1
            if depth > MAX_DEPTH:
                raise ProtocolError("malformed", f"nested deeper than {MAX_DEPTH}")
        level = children


def _no_surrogate(text: str) -> None:
    if _SURROGATE.search(text):
        raise ProtocolError("malformed", "a \\u escape of a lone surrogate")


def dump_json(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def expect_object(
    value: object, required: Iterable[str], optional: Iterable[str] = (), versions: Collection[int] = (VERSION,)
) -> dict[str, Any]:
    """``value`` as a JSON object with exactly the members allowed, checked in §1's order.

    Steps 2, 3, 6, 7 and 8 of "Checking an object", each with its one code: an object
    (``malformed``); when the object defines ``v``, its version before anything else, one of
    ``versions`` (``unsupported_version``, an absent ``v`` included); the member names
    (``malformed``); each member's JSON type from members.py (``malformed``); each b64u member's spelling and fixed
    length (``bad_encoding``). The section's own checks (step 9) are the caller's.
    """
    if not isinstance(value, dict):
        raise ProtocolError("malformed", "expected a JSON object")
    required = tuple(required)
    if "v" in required and not is_version(value.get("v"), versions):
        raise ProtocolError("unsupported_version", f"v={value.get('v')!r}")
    allowed, needed = {*required, *optional}, set(required)
    if not needed <= value.keys() or not value.keys() <= allowed:
        raise ProtocolError("malformed", f"members {sorted(value)} are not {sorted(needed)}")
    for name, member in value.items():
        _check_type(name, member)
    for name, member in value.items():
        kind = MEMBER_KINDS.get(name)
        if kind is not None and kind in B64U_LENGTHS and member is not None:
            unb64u(member, B64U_LENGTHS[kind])
    return value


_INTEGER_RANGES = {"u32": (0, 2**32 - 1), "integer": (-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)}
_JSON_TYPES = {"b64u": str, "b64u16": str, "b64u32": str, "string": str, "boolean": bool}


def _check_type(name: str, member: object) -> None:
    kind = MEMBER_KINDS.get(name)
    # An object member is checked whole, its type first, where its section reads it (§1 step 9).
    if kind is None or kind == "object" or (member is None and name in NULLABLE):
        return
    if kind == "time":
        parse_time(member)
    elif kind in _INTEGER_RANGES:
        expect_int(member, *_INTEGER_RANGES[kind])
    elif not isinstance(member, _JSON_TYPES[kind]):
        raise ProtocolError("malformed", f"{name} is not a JSON {_JSON_TYPES[kind].__name__}")


def expect_int(value: object, low: int = 0, high: int = 2**32 - 1) -> int:
    """An integer written as one (not ``true``, ``1.0`` or ``"1"``) within ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ProtocolError("malformed", "expected an integer in range")
    return value


def expect_str(value: object) -> str:
    if not isinstance(value, str):
        raise ProtocolError("malformed", "expected a string")
    return value


_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def parse_time(value: object) -> datetime:
    """A time in the one form §1 allows, ``YYYY-MM-DDTHH:MM:SSZ``."""
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        raise ProtocolError("malformed", "a time is YYYY-MM-DDTHH:MM:SSZ")
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ProtocolError("malformed", "not a real date") from exc


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a protocol time needs a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
