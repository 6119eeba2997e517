"""Vectors for v2 record payloads (§7 steps 9 to 15) and author chains (§7, "Author chains").

Drawn from substreams of their own, so every file built before keeps its bytes.
"""

from typing import Any

from support_circle.protocol import circle_keys, primitives, records
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.records import Chained, Link, RecordRef
from support_circle.protocol.vectors.build_circle import HLC, _raw_record, _signed_inner
from support_circle.protocol.vectors.making import group_file, substream, vector

Vector = dict[str, Any]


class _Circle:
    """One epoch, three members; ``write`` seals a v2 revision and returns its step and link."""

    def __init__(self) -> None:
        self.alice, self.bo, self.cy = DeviceKeys.generate(), DeviceKeys.generate(), DeviceKeys.generate()
        self.circle_id, self.key = primitives.random_bytes(16), circle_keys.new_epoch_key()
        members = (self.alice, self.bo, self.cy)
        self.base: dict[str, Any] = {
            "epoch_keys": {"0": b64u(self.key)},
            "members": [m.identity() for m in members],
            "epoch_members": {"0": sorted(b64u(m.device_id) for m in members)},
        }

    def ref(self) -> RecordRef:
        return RecordRef(self.circle_id, primitives.random_bytes(16), 0)

    def write(
        self, author: DeviceKeys, prev: Link | None, seen: dict[bytes, Link] | None = None, text: str = "okay"
    ) -> tuple[dict[str, Any], Link]:
        body = {"kind": "checkin", "feeling": text}
        envelope, link = records.seal_revision(
            author,
            self.ref(),
            self.key,
            change_id=primitives.random_bytes(16),
            hlc=HLC + b64u(author.device_id),
            body=body,
            chained=Chained(prev, seen or {}),
        )
        assert link is not None
        return {"envelope": envelope}, link

    def v1(self, author: DeviceKeys) -> dict[str, Any]:
        envelope = records.seal_record(
            author,
            self.ref(),
            self.key,
            change_id=primitives.random_bytes(16),
            hlc=HLC + b64u(author.device_id),
            body={"kind": "note", "title": "Friday", "text": "v1"},
        )
        return {"envelope": envelope}


LEFT_OUT = {"left_out": True}


def _heads(*links: tuple[DeviceKeys, Link]) -> dict[str, Any]:
    return {b64u(d.device_id): {"n": link.n, "hash": b64u(link.hash)} for d, link in links}


def chain_vectors() -> dict[str, Any]:
    with substream("chain"):
        c = _Circle()
        a, b, cy = c.alice, c.bo, c.cy
        a0, la0 = c.write(a, None)
        a1, la1 = c.write(a, la0, text="need-break")
        a2, la2 = c.write(a, la1)
        _a0x, la0x = c.write(a, None, text="struggling")
        a1x, _ = c.write(a, la0x)
        b0_a1, lb0 = c.write(b, None, {a.device_id: la1})
        b0_a0, lb0_a0 = c.write(b, None, {a.device_id: la0})
        b0_fork, _ = c.write(b, None, {a.device_id: la0x})
        cy0, lcy0 = c.write(cy, None)
        base = {**c.base, "reader": b64u(cy.device_id)}

        def steps(
            name: str, comment: str, expect: str, *sequence: dict[str, Any], complete: bool = True, **out: Any
        ) -> Vector:
            return vector(name, comment, expect, complete=complete, steps=list(sequence), **out, **base)

        return group_file(
            "chain",
            "Author chains (§7): sequences of revisions one reader pulls; the first failure names the outcome.",
            [
                steps(
                    "in order",
                    "Alice 0, 1, 2 and Bo's first, which saw Alice 1",
                    "ok",
                    a0,
                    a1,
                    b0_a1,
                    a2,
                    heads=_heads((a, la2), (b, lb0)),
                ),
                steps(
                    "seen equal to held",
                    "Bo saw Alice 0, which the reader holds",
                    "ok",
                    a0,
                    b0_a0,
                    heads=_heads((a, la0), (b, lb0_a0)),
                ),
                steps("old revision served again", "Alice 0, 1, then 0 again: a roll-back", "rolled_back", a0, a1, a0),
                steps("head served again", "Alice 0, 1, then 1 again", "rolled_back", a0, a1, a1),
                steps("dropped from the middle", "Alice 0 then 2: her check-in 1 was dropped", "withheld", a0, a2),
                steps(
                    "first revision withheld", "a reader that has read everything gets Alice 1 first", "withheld", a1
                ),
                steps(
                    "joined later",
                    "a reader that left changes out starts Alice's chain where it can read",
                    "ok",
                    LEFT_OUT,
                    a1,
                    a2,
                    heads=_heads((a, la2)),
                ),
                steps(
                    "not complete from the start",
                    "a reader from before chains starts at Alice 1",
                    "ok",
                    a1,
                    complete=False,
                    heads=_heads((a, la1)),
                ),
                steps(
                    "gap after a change left out",
                    "Alice 0, a change the reader could not open, Alice 2",
                    "ok",
                    a0,
                    LEFT_OUT,
                    a2,
                    heads=_heads((a, la2)),
                ),
                steps(
                    "fork",
                    "Alice 0, then a revision 1 that follows another revision 0 of hers",
                    "broken_chain",
                    a0,
                    a1x,
                ),
                steps("tail withheld", "Alice 0; her 1 withheld; Bo's revision says he had it", "withheld", a0, b0_a1),
                steps("never passed on", "Bo saw Alice 0, which the reader never got", "withheld", b0_a0),
                steps(
                    "seen another revision",
                    "Bo saw a revision 0 of Alice's other than the reader's",
                    "broken_chain",
                    a0,
                    b0_fork,
                ),
                steps(
                    "seen of a loose author",
                    "Alice 0, a change left out, Bo saw Alice 1",
                    "ok",
                    a0,
                    LEFT_OUT,
                    b0_a1,
                    heads=_heads((a, la0), (b, lb0)),
                ),
                steps(
                    "own revision back",
                    "the reader's own revision comes back from the server",
                    "ok",
                    cy0,
                    cy0,
                    heads=_heads((cy, lcy0)),
                ),
                steps("v1 revisions", "v1 revisions have no chain", "ok", c.v1(a), c.v1(a), heads={}),
            ],
        )


def v2_payload_vectors(
    record_base: dict[str, Any], author: DeviceKeys, other: DeviceKeys, ref: RecordRef, key: bytes
) -> list[Vector]:
    """v2 payloads for the record group: one that opens, and each of the new checks broken."""
    with substream("record/v2"):
        change, prev = primitives.random_bytes(16), primitives.random_bytes(32)
        hlc = HLC + b64u(author.device_id)
        payload: dict[str, Any] = {
            "v": 2,
            "type": "record",
            "circle_id": b64u(ref.circle_id),
            "record_id": b64u(ref.record_id),
            "epoch": ref.epoch,
            "change_id": b64u(change),
            "author": b64u(author.device_id),
            "hlc": hlc,
            "n": 1,
            "prev": b64u(prev),
            "seen": {b64u(other.device_id): {"n": 4, "hash": b64u(prev)}},
            "deleted": False,
            "body": {"kind": "note", "title": "Sunday", "text": "I can take the kids."},
        }
        other_id = b64u(other.device_id)
        v1_payload = {k: v for k, v in payload.items() if k not in ("n", "prev", "seen")}
        cases: list[tuple[str, str, str, dict[str, Any]]] = [
            ("v2 note", "a v2 revision with its chain members", "ok", payload),
            (
                "v2 first revision",
                "n 0 and prev null, nothing seen",
                "ok",
                {**payload, "n": 0, "prev": None, "seen": {}},
            ),
            ("v1 payload still reads", "a v1 payload without chain members", "ok", {**v1_payload, "v": 1}),
            ("v3", "a record payload of version 3", "unsupported_version", {**payload, "v": 3}),
            ("v 2.0", "v written as 2.0", "unsupported_version", {**payload, "v": 2.0}),
            (
                "v2 without seen",
                "the chain members are required in v2",
                "malformed",
                {k: v for k, v in payload.items() if k != "seen"},
            ),
            ("v1 with n", "v1 does not define the chain members", "malformed", {**payload, "v": 1}),
            ("n as text", 'n "1"', "malformed", {**payload, "n": "1"}),
            ("n negative", "n -1", "malformed", {**payload, "n": -1}),
            ("prev of 31 bytes", "prev is a hash", "bad_encoding", {**payload, "prev": b64u(prev[:31])}),
            ("seen not an object", "seen as an array", "malformed", {**payload, "seen": []}),
            ("seen claim without hash", "a claim {n} only", "malformed", {**payload, "seen": {other_id: {"n": 4}}}),
            (
                "seen claim n as text",
                'a claim whose n is "4"',
                "malformed",
                {**payload, "seen": {other_id: {"n": "4", "hash": b64u(prev)}}},
            ),
            (
                "seen name not an id",
                "a claim named by 8 bytes",
                "bad_encoding",
                {**payload, "seen": {b64u(bytes(8)): {"n": 4, "hash": b64u(prev)}}},
            ),
            (
                "seen hash of 16 bytes",
                "a claimed hash is 32 bytes",
                "bad_encoding",
                {**payload, "seen": {other_id: {"n": 4, "hash": b64u(prev[:16])}}},
            ),
            (
                "seen types before encodings",
                'a claim whose n is "4" and a change_id of 8 bytes',
                "malformed",
                {**payload, "change_id": b64u(bytes(8)), "seen": {other_id: {"n": "4", "hash": b64u(prev)}}},
            ),
            (
                "seen of 257 authors",
                "more members than a seen may have",
                "malformed",
                {**payload, "seen": {b64u(i.to_bytes(16, "big")): {"n": 0, "hash": b64u(prev)} for i in range(257)}},
            ),
            ("prev null after 0", "n 1 and prev null", "malformed", {**payload, "prev": None}),
            ("prev for the first", "n 0 and a prev", "malformed", {**payload, "n": 0}),
            (
                "seen names the author",
                "a claim about the author's own chain",
                "malformed",
                {**payload, "seen": {b64u(author.device_id): {"n": 0, "hash": b64u(prev)}}},
            ),
        ]
        vectors = []
        for name, comment, expect, signed_payload in cases:
            envelope = _raw_record(ref, key, _signed_inner(author, signed_payload))
            out = {"payload": signed_payload} if expect == "ok" else {}
            vectors.append(vector(name, comment, expect, envelope=envelope, **out, **record_base))
        return vectors


def build() -> dict[str, Any]:
    return {"chain": chain_vectors()}
