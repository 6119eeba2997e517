"""Vectors for §1's strict JSON and times, as the exact bytes a reader is given."""

from typing import Any

from support_circle.protocol import primitives
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.vectors.making import group_file, vector

Files = dict[str, dict[str, Any]]


def _device() -> DeviceKeys:
    # Keys of their own, drawn from no shared stream: a vector added here moves no other file's bytes.
    return DeviceKeys(primitives.sha256(b"json vectors: sign"), primitives.sha256(b"json vectors: kem"))


def _document(**members: str) -> bytes:
    """An object written member by member, each value as raw JSON text, in the order given."""
    return ("{" + ",".join(f'"{name}":{value}' for name, value in members.items()) + "}").encode()


def json_group() -> dict[str, Any]:
    keys = _device()
    identity = keys.identity()
    mine = keys.public
    outputs = {"device_id": b64u(mine.device_id), "sign_pub": b64u(mine.sign_pub), "kem_pub": b64u(mine.kem_pub)}
    v, signer, payload, sig = "1", f'"{identity["signer"]}"', f'"{identity["payload"]}"', f'"{identity["sig"]}"'
    compact = _document(v=v, signer=signer, payload=payload, sig=sig)

    def as_identity(name: str, comment: str, document: bytes, expect: str = "malformed") -> dict[str, Any]:
        fields = outputs if expect == "ok" else {}
        return vector(name, comment, expect, document_hex=document.hex(), read_as="identity", **fields)

    def as_json(name: str, comment: str, document: bytes, expect: str = "malformed", **out: Any) -> dict[str, Any]:
        return vector(name, comment, expect, document_hex=document.hex(), read_as="json", **out)

    escaped_signer = '"\\u00' + identity["signer"][0].encode().hex() + identity["signer"][1:] + '"'
    spaced = (f'\r\n\t{{ "sig" : {sig} ,\n  "payload":{payload}, "signer" :{escaped_signer},"v" : 1 }}\n').encode()
    bad_sig = f'"{identity["sig"][:-2]}AA"'

    def nested(depth: int) -> bytes:
        return ("[" * depth + "]" * depth).encode()

    return group_file(
        "json",
        "Strict JSON (§1), from the exact bytes of a document: read as a value, or as an identity (§3).",
        [
            as_identity("compact", "an identity as this implementation writes it", compact, "ok"),
            as_identity(
                "whitespace, order and escapes",
                "any RFC 8259 whitespace, members in any order, a string letter written as a \\u escape",
                spaced,
                "ok",
            ),
            as_identity("byte-order mark", "a UTF-8 BOM before the object", b"\xef\xbb\xbf" + compact),
            as_identity("UTF-16", "the same document in UTF-16LE", compact.decode().encode("utf-16-le")),
            as_identity(
                "invalid UTF-8",
                "a 0xff byte inside the signer string",
                compact.replace(identity["signer"].encode(), identity["signer"].encode() + b"\xff"),
            ),
            as_identity(
                "duplicate sig, the last one broken",
                "a reader that keeps the first would accept it",
                _document(v=v, signer=signer, payload=payload, sig=sig).replace(
                    b"}", b',"sig":' + bad_sig.encode() + b"}"
                ),
            ),
            as_identity(
                "duplicate sig, the first one broken",
                "a reader that keeps the last, as JSON.parse does, would accept it",
                _document(v=v, signer=signer, payload=payload, sig=bad_sig).replace(
                    b"}", b',"sig":' + sig.encode() + b"}"
                ),
            ),
            as_identity(
                "duplicate spelled with an escape",
                '"\\u0073ig" is the member name "sig" again',
                compact.replace(b"}", b',"\\u0073ig":' + sig.encode() + b"}"),
            ),
            as_identity("duplicate v", "v twice, 1 and 1", compact.replace(b"}", b',"v":1}')),
            as_identity(
                "lone surrogate escape",
                "\\ud800 in the signer: no UTF-8 holds it, so it is malformed before any base64url is read",
                compact.replace(signer.encode(), b'"\\ud800' + signer[1:].encode()),
            ),
            as_identity("NaN", "v is NaN", _document(v="NaN", signer=signer, payload=payload, sig=sig)),
            as_identity("Infinity", "v is Infinity", _document(v="Infinity", signer=signer, payload=payload, sig=sig)),
            as_identity(
                "1e400",
                "a number beyond a double is malformed when parsed, before v is read",
                _document(v="1e400", signer=signer, payload=payload, sig=sig),
            ),
            as_identity(
                "integer beyond 2^53 - 1",
                "malformed when parsed, not unsupported_version",
                _document(v="9007199254740993", signer=signer, payload=payload, sig=sig),
            ),
            as_identity(
                "v 1.0",
                "a number with a fraction is never the integer 1",
                _document(v="1.0", signer=signer, payload=payload, sig=sig),
                "unsupported_version",
            ),
            as_identity(
                "v 1e0",
                "a number with an exponent is never the integer 1",
                _document(v="1e0", signer=signer, payload=payload, sig=sig),
                "unsupported_version",
            ),
            as_identity("v +1", "a leading + is not JSON", _document(v="+1", signer=signer, payload=payload, sig=sig)),
            as_identity(
                "v 01", "a leading zero is not JSON", _document(v="01", signer=signer, payload=payload, sig=sig)
            ),
            as_identity("trailing comma", "a comma before the closing brace", compact.replace(b"}", b",}")),
            as_identity("comment", "a /* */ comment", compact.replace(b"}", b"/* c */}")),
            as_identity("trailing data", "a second value after the object", compact + b" {}"),
            as_identity("form feed", "0x0c is not JSON whitespace", b"\x0c" + compact),
            as_identity("no-break space", "U+00A0 is not JSON whitespace", "\u00a0".encode() + compact),
            as_identity("not an object", "the identity as a one-element array", b"[" + compact + b"]"),
            as_json("empty", "no value at all", b""),
            as_json("128 arrays", "nesting up to 128 arrays and objects is read", nested(128), "ok", depth=128),
            as_json("129 arrays", "one more is malformed", nested(129)),
            as_json(
                "128 objects",
                "objects count as arrays do",
                ('{"a":' * 127 + "{}" + "}" * 127).encode(),
                "ok",
                depth=128,
            ),
            as_json("129 objects", "one more is malformed", ('{"a":' * 128 + "{}" + "}" * 128).encode()),
            as_json(
                "numbers",
                "integers to ±(2^53 - 1), -0 (the integer 0), and a double that underflows to 0",
                b"[9007199254740991,-9007199254740991,-0,1e-400,0.5]",
                "ok",
                value=[9007199254740991, -9007199254740991, 0, 0.0, 0.5],
                depth=1,
            ),
            as_json("2^53", "an integer beyond 2^53 - 1", b"[9007199254740992]"),
            as_json("-2^53", "an integer beyond -(2^53 - 1)", b"[-9007199254740992]"),
            as_json("1.8e308", "beyond the largest double", b"[1.8e308]"),
            as_json("-1e400", "beyond the largest double, negative", b"[-1e400]"),
            as_json(
                "escaped surrogate pair",
                "a high surrogate escaped right before a low one is one code point",
                b'["\\ud83d\\ude00","\\u0000"]',
                "ok",
                value=["\U0001f600", "\u0000"],
                depth=1,
            ),
            as_json("lone high surrogate", "\\ud800 alone", b'["\\ud800"]'),
            as_json("lone low surrogate", "\\udc00 alone", b'["\\udc00"]'),
            as_json("surrogates reversed", "a low surrogate before a high one", b'["\\ude00\\ud83d"]'),
            as_json("high surrogate and a letter", "\\ud800 followed by \\u0041", b'["\\ud800\\u0041"]'),
            as_json("lone surrogate in a name", "a member name is a string too", b'{"\\udfff":1}'),
            as_json("overlong UTF-8", "0xc0 0xaf, a second spelling of /", b'["\xc0\xaf"]'),
            as_json("UTF-8 surrogate", "0xed 0xa0 0x80, a surrogate written in UTF-8", b'["\xed\xa0\x80"]'),
            as_json("truncated UTF-8", "the first two bytes of a three-byte character", b'["\xe2\x82"]'),
            as_json("beyond U+10FFFF", "0xf4 0x90 0x80 0x80", b'["\xf4\x90\x80\x80"]'),
            as_json("raw control character", "a tab inside a string must be escaped", b'["a\tb"]'),
        ],
    )


def time_group() -> dict[str, Any]:
    def ok(text: str, seconds: int, comment: str) -> dict[str, Any]:
        return vector(text, comment, text=text, unix_seconds=seconds)

    def bad(text: str, comment: str) -> dict[str, Any]:
        return vector(text, comment, "malformed", text=text)

    return group_file(
        "time",
        "Times (§1): YYYY-MM-DDTHH:MM:SSZ, a real UTC date and time in the years 0001-9999.",
        [
            ok("1970-01-01T00:00:00Z", 0, "the Unix epoch"),
            ok("2026-12-01T00:00:00Z", 1796083200, "an invite's expiry"),
            ok("2024-02-29T23:59:59Z", 1709251199, "a leap day"),
            ok("2000-02-29T00:00:00Z", 951782400, "a leap day in a year divisible by 400"),
            ok("0001-01-01T00:00:00Z", -62135596800, "the first second a time can name"),
            ok("9999-12-31T23:59:59Z", 253402300799, "the last"),
            bad("2026-02-30T00:00:00Z", "30 February does not exist"),
            bad("2023-02-29T00:00:00Z", "2023 is no leap year"),
            bad("1900-02-29T00:00:00Z", "1900 is no leap year: divisible by 100, not by 400"),
            bad("2026-04-31T00:00:00Z", "April has 30 days"),
            bad("2026-13-01T00:00:00Z", "month 13"),
            bad("2026-00-10T00:00:00Z", "month 0"),
            bad("2026-01-00T00:00:00Z", "day 0"),
            bad("2026-01-01T24:00:00Z", "hour 24"),
            bad("2026-01-01T23:60:00Z", "minute 60"),
            bad("2026-12-31T23:59:60Z", "a leap second: times are UTC without them"),
            bad("0000-01-01T00:00:00Z", "year 0"),
            bad("2026-01-01T00:00:00+00:00", "an offset instead of Z"),
            bad("2026-01-01t00:00:00z", "lower-case t and z"),
            bad("2026-01-01T00:00:00.000Z", "fractional seconds"),
            bad("2026-01-01 00:00:00Z", "a space instead of T"),
            bad("2026-01-01T00:00:00", "no Z"),
            bad("26-01-01T00:00:00Z", "a two-digit year"),
            bad("2026-1-01T00:00:00Z", "a one-digit month"),
            bad("\uff12026-01-01T00:00:00Z", "a full-width digit: ASCII digits only"),
            bad(" 2026-01-01T00:00:00Z", "a leading space"),
        ],
    )


def build() -> Files:
    return {"json": json_group(), "time": time_group()}
