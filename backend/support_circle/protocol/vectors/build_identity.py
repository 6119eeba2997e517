"""Identity vectors for the order of checks of §1, §2 and §3: one code per check, the first one failing."""

from typing import Any

from support_circle.protocol.encoding import b64u, dump_json
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.vectors.making import Vector, changed, flip, signed_bytes, vector


def _payload(keys: DeviceKeys, **fields: Any) -> dict[str, Any]:
    mine = keys.public
    document = {
        "v": 1,
        "type": "identity",
        "device_id": b64u(mine.device_id),
        "sign_pub": b64u(mine.sign_pub),
        "kem_pub": b64u(mine.kem_pub),
        **fields,
    }
    return {name: value for name, value in document.items() if value is not _ABSENT}


_ABSENT: Any = object()


def _non_canonical(text: str) -> str:
    """The same bytes spelled with an unused trailing bit set: 'A' becomes 'B', and so on."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return text[:-1] + alphabet[alphabet.index(text[-1]) + 1]


def order_of_checks(keys: DeviceKeys, other: DeviceKeys) -> list[Vector]:
    """Faults one at a time, then two at once, where §1's order says which code wins."""
    good = keys.identity()
    mine = keys.public

    def signed(payload: bytes) -> dict[str, Any]:
        return signed_bytes(keys.sign_seed, mine.device_id, "identity", payload)

    def fields(**members: Any) -> dict[str, Any]:
        return signed(dump_json(_payload(keys, **members)))

    text = dump_json(_payload(keys))
    kem = b64u(mine.kem_pub).encode()
    other_kem = b64u(other.public.kem_pub).encode()
    reordered = (
        b'{ "kem_pub" : "' + kem + b'",\n "device_id":"' + b64u(mine.device_id).encode() + b'",'
        b' "t\\u0079pe":"identity", "v":1, "sign_pub":"' + b64u(mine.sign_pub).encode() + b'" }'
    )
    outputs = {"device_id": b64u(mine.device_id), "sign_pub": b64u(mine.sign_pub), "kem_pub": b64u(mine.kem_pub)}
    return [
        # What is signed are bytes: a verifier never writes the payload again, so any spelling holds.
        vector(
            "payload spelled otherwise",
            "whitespace, another member order and an escaped letter in a name: the signed bytes are kept",
            identity=signed(reordered),
            **outputs,
        ),
        # The outer object: §1 steps 2 to 8, then §2 step 1.
        vector("outer v absent", "no v is no version 1", "unsupported_version", identity=_without(good, "v")),
        vector("outer v true", "true is not the integer 1", "unsupported_version", identity=changed(good, v=True)),
        vector("outer v a string", '"1" is not the integer 1', "unsupported_version", identity=changed(good, v="1")),
        vector(
            "outer v before members",
            "v=2 and an extra member: the version is read first",
            "unsupported_version",
            identity=changed(good, v=2, extra=1),
        ),
        vector("outer extra member", "a member §2 does not define", "malformed", identity=changed(good, extra=1)),
        vector("outer payload absent", "no payload", "malformed", identity=_without(good, "payload")),
        vector("outer not an object", "the identity inside an array", "malformed", identity=[good]),
        vector("signer a number", "a JSON type other than string", "malformed", identity=changed(good, signer=16)),
        vector("payload null", "a JSON type other than string", "malformed", identity=changed(good, payload=None)),
        vector("signer 15 bytes", "an id is 16 bytes", "bad_encoding", identity=changed(good, signer=b64u(bytes(15)))),
        vector(
            "signer not canonical",
            "an unused trailing bit set",
            "bad_encoding",
            identity=changed(good, signer=_non_canonical(good["signer"])),
        ),
        vector("sig absent", "no sig member", "missing_signature", identity=_without(good, "sig")),
        vector("sig null", "null is no signature", "missing_signature", identity=changed(good, sig=None)),
        vector("sig a number", "a JSON type other than string or null", "malformed", identity=changed(good, sig=0)),
        vector("sig not base64url", "one symbol", "bad_encoding", identity=changed(good, sig="A")),
        vector("sig 65 bytes", "a signature is 64 bytes", "bad_signature", identity=changed(good, sig=b64u(bytes(65)))),
        vector(
            "encoding before missing signature",
            "an empty sig and a signer that is not an id: §1 step 8 comes before §2's own checks",
            "bad_encoding",
            identity=changed(good, sig="", signer=b64u(bytes(15))),
        ),
        vector(
            "types before encodings",
            "a payload that is not a string and a signer that is not an id",
            "malformed",
            identity=changed(good, payload=1, signer=b64u(bytes(15))),
        ),
        vector(
            "signature length before the payload",
            "a 63-byte sig on a payload that is not JSON: §2 step 1 comes before the payload is parsed",
            "bad_signature",
            identity=changed(good, sig=b64u(bytes(63)), payload=b64u(b"not json")),
        ),
        # The payload, bytes first (§1's strict JSON), then §1 steps 2 to 8, then §3's own checks.
        vector(
            "payload with a BOM", "a UTF-8 byte-order mark first", "malformed", identity=signed(b"\xef\xbb\xbf" + text)
        ),
        vector(
            "payload not UTF-8",
            "a 0xff byte in the type",
            "malformed",
            identity=signed(text.replace(b'"identity"', b'"identity\xff"')),
        ),
        vector(
            "payload with overlong UTF-8",
            "0xc0 0xaf in the type",
            "malformed",
            identity=signed(text.replace(b'"identity"', b'"identity\xc0\xaf"')),
        ),
        vector(
            "payload with a UTF-8 surrogate",
            "0xed 0xa0 0x80 in the type",
            "malformed",
            identity=signed(text.replace(b'"identity"', b'"identity\xed\xa0\x80"')),
        ),
        vector(
            "payload with a lone surrogate escape",
            "\\ud800 after the type: malformed when parsed, before the type is compared",
            "malformed",
            identity=signed(text.replace(b'"identity"', b'"identity\\ud800"')),
        ),
        vector(
            "payload with an escaped surrogate pair",
            "a real code point after the type: the document parses, and is of another type",
            "wrong_type",
            identity=signed(text.replace(b'"identity"', b'"identity\\ud83d\\ude00"')),
        ),
        vector(
            "payload with a duplicate member",
            "kem_pub twice, with two keys: readers that keep one or the other disagree",
            "malformed",
            identity=signed(text[:-1] + b',"kem_pub":"' + other_kem + b'"}'),
        ),
        vector(
            "payload with a duplicate spelled with an escape",
            '"kem\\u005fpub" is kem_pub again',
            "malformed",
            identity=signed(text[:-1] + b',"kem\\u005fpub":"' + other_kem + b'"}'),
        ),
        vector("payload v NaN", "NaN is not JSON", "malformed", identity=signed(text.replace(b'"v":1', b'"v":NaN'))),
        vector(
            "payload v 1e400",
            "beyond a double: malformed when parsed, before v is read",
            "malformed",
            identity=signed(text.replace(b'"v":1', b'"v":1e400')),
        ),
        vector(
            "payload v beyond 2^53",
            "an integer beyond 2^53 - 1: malformed when parsed",
            "malformed",
            identity=signed(text.replace(b'"v":1', b'"v":9007199254740993')),
        ),
        vector(
            "payload v 1e0",
            "an exponent: not the integer 1",
            "unsupported_version",
            identity=signed(text.replace(b'"v":1', b'"v":1e0')),
        ),
        vector("payload not an object", "a JSON array", "malformed", identity=signed(b"[" + text + b"]")),
        vector("payload v absent", "no v", "unsupported_version", identity=fields(v=_ABSENT)),
        vector(
            "payload v before type",
            "v=2 in a payload of another type",
            "unsupported_version",
            identity=fields(v=2, type="record"),
        ),
        vector("payload type absent", "no type", "wrong_type", identity=fields(type=_ABSENT)),
        vector("payload type a number", "a type that is not a string", "wrong_type", identity=fields(type=1)),
        vector(
            "payload type before members",
            "another type and an extra member",
            "wrong_type",
            identity=fields(type="record", extra=1),
        ),
        vector("payload extra member", "a member §3 does not define", "malformed", identity=fields(extra=1)),
        vector("payload kem_pub absent", "no kem_pub", "malformed", identity=fields(kem_pub=_ABSENT)),
        vector(
            "payload device_id a number", "a JSON type other than string", "malformed", identity=fields(device_id=7)
        ),
        vector("payload sign_pub null", "a JSON type other than string", "malformed", identity=fields(sign_pub=None)),
        vector(
            "payload kem_pub 31 bytes", "a key is 32 bytes", "bad_encoding", identity=fields(kem_pub=b64u(bytes(31)))
        ),
        vector(
            "payload device_id not canonical",
            "an unused trailing bit set",
            "bad_encoding",
            identity=fields(device_id=_non_canonical(b64u(mine.device_id))),
        ),
        vector(
            "payload types before encodings",
            "a device_id that is a number and a kem_pub of 31 bytes",
            "malformed",
            identity=fields(device_id=7, kem_pub=b64u(bytes(31))),
        ),
        vector(
            "encoding before identity",
            "a kem_pub of 31 bytes and another device's id",
            "bad_encoding",
            identity=fields(kem_pub=b64u(bytes(31)), device_id=b64u(other.device_id)),
        ),
        vector(
            "identity before signature",
            "another device's id, and the signature flipped",
            "identity_mismatch",
            identity=(lambda s: changed(s, sig=flip(s["sig"])))(fields(device_id=b64u(other.device_id))),
        ),
    ]


def _without(signed_object: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in signed_object.items() if key != name}
