"""Vectors for recovery from the server (§15): the escrow a recovery key opens on a new device."""

import json
from typing import Any

from support_circle.protocol import escrow, primitives
from support_circle.protocol.encoding import b64u, ctx, dump_json
from support_circle.protocol.escrow import EscrowContent, Escrowing
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.membership import Head
from support_circle.protocol.padding import pad
from support_circle.protocol.vectors.making import changed, flip, group_file, substream, vector

Files = dict[str, dict[str, Any]]


def _content(seq: int) -> EscrowContent:
    head = Head(seq, primitives.random_bytes(32))
    return EscrowContent(DeviceKeys.generate(), primitives.random_bytes(16), primitives.random_bytes(32), head)


def _raw_escrow(recovery_key: bytes, inner: bytes, padded: bool = True) -> dict[str, Any]:
    """An escrow around arbitrary content bytes: how its maker (who has the key) could make one."""
    aad = ctx("support-circle/v1/escrow", escrow.escrow_id(recovery_key))
    nonce = primitives.random_bytes(12)
    ct = primitives.aead_seal(escrow.escrow_key(recovery_key), nonce, pad(inner) if padded else inner, aad)
    return {"v": 1, "nonce": b64u(nonce), "ct": b64u(ct)}


def _opens(recovery_key: bytes, sealed: dict[str, Any], content: EscrowContent, name: str, comment: str) -> Any:
    return vector(
        name,
        comment,
        recovery_key=b64u(recovery_key),
        escrow=sealed,
        escrow_id=b64u(escrow.escrow_id(recovery_key)),
        escrow_key=b64u(escrow.escrow_key(recovery_key)),
        content=content.document(),
    )


def escrow_vectors() -> dict[str, Any]:
    rk, other_rk, third_rk = (primitives.random_bytes(32) for _ in range(3))
    content, other_content = _content(3), _content(0)
    good = escrow.seal_escrow(escrow.escrow_id(rk), escrow.escrow_key(rk), content)
    moved = escrow.seal_escrow(escrow.escrow_id(other_rk), escrow.escrow_key(rk), content)
    document = content.document()
    base = {"recovery_key": b64u(rk)}

    def broken(name: str, comment: str, expect: str, inner: dict[str, Any]) -> Any:
        return vector(name, comment, expect, **base, escrow=_raw_escrow(rk, dump_json(inner)))

    short_seed = {**document["device"], "sign_seed": b64u(bytes(31))}
    without_head = {name: value for name, value in document.items() if name != "head"}

    def head(**members: Any) -> dict[str, Any]:
        return {**document, "head": {**document["head"], **members}}

    return group_file(
        "escrow",
        "Opening a recovery escrow with the recovery key alone (§15).",
        [
            _opens(rk, good, content, "open", "the recovery key it was sealed for"),
            _opens(
                third_rk,
                escrow.seal_escrow(escrow.escrow_id(third_rk), escrow.escrow_key(third_rk), other_content),
                other_content,
                "another recovery key",
                "another device's escrow under its own recovery key",
            ),
            vector(
                "wrong recovery key",
                "a valid key of another vault",
                "decrypt_failed",
                recovery_key=b64u(other_rk),
                escrow=good,
            ),
            vector(
                "moved", "sealed for another escrow id, stored under this one", "decrypt_failed", **base, escrow=moved
            ),
            vector(
                "flipped",
                "one bit of the ciphertext",
                "decrypt_failed",
                **base,
                escrow=changed(good, ct=flip(good["ct"])),
            ),
            vector("future version", "v=2", "unsupported_version", **base, escrow=changed(good, v=2)),
            vector(
                "version true",
                "v is true, not the integer 1",
                "unsupported_version",
                **base,
                escrow=changed(good, v=True),
            ),
            vector(
                "extra member",
                "the escrow id copied into the object",
                "malformed",
                **base,
                escrow=changed(good, escrow_id=b64u(escrow.escrow_id(rk))),
            ),
            vector("missing member", "no nonce", "malformed", **base, escrow={"v": 1, "ct": good["ct"]}),
            vector(
                "bad base64",
                "padding in the nonce",
                "bad_encoding",
                **base,
                escrow=changed(good, nonce=good["nonce"] + "="),
            ),
            vector(
                "truncated", "ten bytes of ciphertext", "truncated", **base, escrow=changed(good, ct=b64u(bytes(10)))
            ),
            vector("short nonce", "an 8-byte nonce", "truncated", **base, escrow=changed(good, nonce=b64u(bytes(8)))),
            vector(
                "unpadded",
                "a content that is no bucket long",
                "bad_padding",
                **base,
                escrow=_raw_escrow(rk, dump_json(document), padded=False),
            ),
            vector("not JSON", "the content is not JSON", "malformed", **base, escrow=_raw_escrow(rk, b"recovery")),
            broken("short sign_seed", "a 31-byte sign_seed", "bad_encoding", {**document, "device": short_seed}),
            broken(
                "non-canonical circle id",
                "a circle id whose unused trailing bits are set",
                "bad_encoding",
                {**document, "circle_id": document["circle_id"][:-1] + "B"},
            ),
            broken("content extra member", "a member §15 does not define", "malformed", {**document, "vault_id": "x"}),
            broken("head missing", "no head member", "malformed", without_head),
            broken("head extra member", "the head with an epoch as well", "malformed", head(epoch=0)),
            broken("head seq negative", "the head's seq is -1", "malformed", head(seq=-1)),
            broken("head seq true", "the head's seq is true, not an integer", "malformed", head(seq=True)),
            broken("short head hash", "a 31-byte head hash", "bad_encoding", head(hash=b64u(bytes(31)))),
            broken("content future version", "the content's v=3", "unsupported_version", {**document, "v": 3}),
            broken("identity content", "type identity, not escrow", "wrong_type", {**document, "type": "identity"}),
            *_order_vectors(rk, good, document),
            *_v2_vectors(),
        ],
    )


def _order_vectors(rk: bytes, good: dict[str, Any], document: dict[str, Any]) -> list[Any]:
    """More of §15's checks, and pairs of failures that show their order; sealed from a substream."""
    base = {"recovery_key": b64u(rk)}
    short_key = b64u(bytes(31))

    def broken(name: str, comment: str, expect: str, inner: Any) -> Any:
        return vector(name, comment, expect, **base, escrow=_raw_escrow(rk, dump_json(inner)))

    def head(**members: Any) -> dict[str, Any]:
        return {**document, "head": {**document["head"], **members}}

    without_v = {name: value for name, value in document.items() if name != "v"}
    with substream("escrow checks"):
        return [
            vector("long nonce", "a 13-byte nonce", "truncated", **base, escrow=changed(good, nonce=b64u(bytes(13)))),
            vector("empty ct", "0 bytes", "truncated", **base, escrow=changed(good, ct="")),
            vector(
                "encodings before lengths",
                "padding in a 10-byte ct, and an 8-byte nonce",
                "bad_encoding",
                **base,
                escrow=changed(good, nonce=b64u(bytes(8)), ct=b64u(bytes(10)) + "="),
            ),
            vector(
                "content a JSON array",
                "the content is JSON, but not an object",
                "malformed",
                **base,
                escrow=_raw_escrow(rk, json.dumps([document]).encode()),
            ),
            broken("content without v", "no v member", "unsupported_version", without_v),
            broken("head seq beyond u32", "the head's seq is 2^32", "malformed", head(seq=2**32)),
            broken(
                "version before type",
                "v=3 and type identity",
                "unsupported_version",
                {**document, "v": 3, "type": "identity"},
            ),
            broken(
                "type before members",
                "type identity and a member §15 does not define",
                "wrong_type",
                {**document, "type": "identity", "vault_id": "x"},
            ),
            broken(
                "device before head",
                "the head's seq is -1 and the sign_seed 31 bytes",
                "bad_encoding",
                {**head(seq=-1), "device": {**document["device"], "sign_seed": short_key}},
            ),
            broken(
                "content before device",
                "a non-canonical circle id and a device with a member §15 does not define",
                "bad_encoding",
                {
                    **document,
                    "circle_id": document["circle_id"][:-1] + "B",
                    "device": {**document["device"], "seed": "x"},
                },
            ),
            broken(
                "members before encodings",
                "a 31-byte kem_private and a member §15 does not define",
                "malformed",
                {**document, "device": {**document["device"], "kem_private": short_key}, "vault_id": "x"},
            ),
        ]


def _v2_vectors() -> list[Any]:
    """Version 2 content (§15): a recovery identity's keys, the escrowing device and its counter."""
    with substream("escrow v2"):
        rk = primitives.random_bytes(32)
        v1 = _content(4)
        content = EscrowContent(
            DeviceKeys.generate(), v1.circle_id, v1.genesis_hash, v1.head, Escrowing(primitives.random_bytes(16), 7)
        )
        last = EscrowContent(content.device, v1.circle_id, v1.genesis_hash, v1.head, Escrowing(bytes(16), 2**32 - 1))
        good = escrow.seal_escrow(escrow.escrow_id(rk), escrow.escrow_key(rk), content)
        top = escrow.seal_escrow(escrow.escrow_id(rk), escrow.escrow_key(rk), last)
        document, old = content.document(), v1.document()
        base = {"recovery_key": b64u(rk)}

        def broken(name: str, comment: str, expect: str, inner: Any) -> Any:
            return vector(name, comment, expect, **base, escrow=_raw_escrow(rk, dump_json(inner)))

        without = {name: value for name, value in document.items() if name != "counter"}
        no_device_id = {name: value for name, value in document.items() if name != "device_id"}
        bad_id = document["device_id"][:-1] + "B"
        return [
            _opens(rk, good, content, "open v2", "a recovery identity's keys, the escrowing device and counter 7"),
            _opens(rk, top, last, "v2 counter at its top", "counter 2^32 - 1, the largest"),
            broken("v2 counter missing", "no counter member", "malformed", without),
            broken("v2 counter zero", "counters start at 1", "malformed", {**document, "counter": 0}),
            broken("v2 counter negative", "counter -1", "malformed", {**document, "counter": -1}),
            broken("v2 counter beyond u32", "counter 2^32", "malformed", {**document, "counter": 2**32}),
            broken("v2 counter a string", 'counter "7"', "malformed", {**document, "counter": "7"}),
            broken("v2 counter true", "counter true, not an integer", "malformed", {**document, "counter": True}),
            broken(
                "v2 counter a fraction",
                "counter 7.0, written as a number with a fraction",
                "malformed",
                {**document, "counter": 7.0},
            ),
            broken("v2 device_id missing", "no device_id member", "malformed", no_device_id),
            broken(
                "v2 short device_id", "a 15-byte device_id", "bad_encoding", {**document, "device_id": b64u(bytes(15))}
            ),
            broken("v2 with v1 members", "v=2 with exactly version 1's members", "malformed", {**old, "v": 2}),
            broken("v1 with a counter", "v=1 with version 2's counter", "malformed", {**old, "counter": 1}),
            broken(
                "v2 counter before encodings",
                "counter 0 and a non-canonical device_id",
                "malformed",
                {**document, "counter": 0, "device_id": bad_id},
            ),
            broken(
                "v2 type before members",
                "v=2, type identity, no counter",
                "wrong_type",
                {**without, "type": "identity"},
            ),
        ]


def build() -> Files:
    return {"escrow": escrow_vectors()}
