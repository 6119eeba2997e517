"""The ``unlinked`` vectors (PROTOCOL.md §17): a removed device reads the notice its removal left.

The device read its personal circle's log up to the entry that made C a member: A and B admins, C
a member. A then removed B at seq 3; the notices name that entry. Each negative breaks one check.
"""

from typing import Any

from support_circle.protocol import circle_keys, membership, primitives, unlinked
from support_circle.protocol.encoding import b64u, dump_json, parse_json, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.membership import Head
from support_circle.protocol.vectors.making import changed, flip, group_file, signed_bytes, vector


def _payload(notice: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = parse_json(unb64u(notice["payload"]))
    return document


def build() -> dict[str, Any]:
    a, b, c, stranger = (DeviceKeys.generate() for _ in range(4))
    circle_id, other_circle = primitives.random_bytes(16), primitives.random_bytes(16)
    log = [membership.genesis(a, circle_id, circle_keys.new_epoch_key())]
    state = membership.verify_log(circle_id, membership.entry_hash(log[0]), log)
    for device, role in ((b, "admin"), (c, "member")):
        log.append(membership.add(a, state, device.identity(), role))
        state = membership.apply_entry(state, log[-1])
    removal = membership.remove(a, state, b.device_id, circle_keys.new_epoch_key())
    at = Head(3, membership.entry_hash(removal))
    good = unlinked.make(a, circle_id, b.device_id, at)
    base = {
        "circle_id": b64u(circle_id),
        "genesis_hash": b64u(membership.entry_hash(log[0])),
        "entries": log,
        "device_id": b64u(b.device_id),
    }

    def case(name: str, comment: str, expect: str, notice: dict[str, Any], **fields: Any) -> Any:
        outputs = {"signer": b64u(a.device_id), "seq": 3, "entry_hash": b64u(at.hash)} if expect == "ok" else {}
        return vector(name, comment, expect, **{**base, **fields}, notice=notice, **outputs)

    def resigned(signer: DeviceKeys, **members: Any) -> dict[str, Any]:
        return signer.sign({**_payload(good), "signer": b64u(signer.device_id), **members})

    def raw(signer: DeviceKeys, payload: dict[str, Any]) -> dict[str, Any]:
        return signed_bytes(signer.sign_seed, signer.device_id, "unlinked", dump_json(payload))

    vectors = [
        case("A tells B it removed it", "an admin of B's verified log signs for B, after B's head", "ok", good),
        case("version 2", "the signed object's v", "unsupported_version", {**good, "v": 2}),
        case("no signature", "sig absent", "missing_signature", {k: v for k, v in good.items() if k != "sig"}),
        case("short signature", "63 bytes", "bad_signature", {**good, "sig": b64u(unb64u(good["sig"])[:63])}),
        case("a stranger signs", "not a member of B's log", "unknown_author", resigned(stranger)),
        case(
            "a stranger's malformed notice",
            "unknown_author before the payload is read",
            "unknown_author",
            raw(stranger, {"type": "unlinked"}),
        ),
        case("tampered signature", "one bit of the signature", "bad_signature", {**good, "sig": flip(good["sig"])}),
        case(
            "signed as a membership entry",
            "the ctx label is the payload's type: unlinked's does not verify it",
            "bad_signature",
            {**good, "sig": a.sign({**_payload(good), "type": "membership"})["sig"]},
        ),
        case(
            "wrong type",
            "type membership under the unlinked label",
            "wrong_type",
            raw(a, {**_payload(good), "type": "membership"}),
        ),
        case("payload version 2", "the payload's v", "unsupported_version", raw(a, {**_payload(good), "v": 2})),
        case(
            "payload signer is C",
            "the outer signer is A",
            "context_mismatch",
            raw(a, {**_payload(good), "signer": b64u(c.device_id)}),
        ),
        case("extra member", "exactly the members of §17", "malformed", raw(a, {**_payload(good), "note": "x"})),
        case("entry_hash null", "a string, not null", "malformed", raw(a, changed(_payload(good), entry_hash=None))),
        case(
            "no entry_hash",
            "every member is required",
            "malformed",
            raw(a, {k: v for k, v in _payload(good).items() if k != "entry_hash"}),
        ),
        case("seq as text", 'seq "3" is not an integer', "malformed", raw(a, {**_payload(good), "seq": "3"})),
        case(
            "entry_hash of 31 bytes",
            "an entry hash is 32 bytes",
            "bad_encoding",
            raw(a, {**_payload(good), "entry_hash": b64u(bytes(31))}),
        ),
        case(
            "another circle",
            "A's notice for a circle that is not B's personal circle",
            "context_mismatch",
            resigned(a, circle_id=b64u(other_circle)),
        ),
        case(
            "for C",
            "a notice names the device it removed",
            "context_mismatch",
            resigned(a, device_id=b64u(c.device_id)),
        ),
        case("C signs", "a member, not an admin", "not_admin", resigned(c)),
        case(
            "C signs for another circle",
            "context_mismatch before not_admin",
            "context_mismatch",
            resigned(c, circle_id=b64u(other_circle)),
        ),
        case("B signs for itself", "a device is never removed by itself", "invalid_operation", resigned(b)),
        case(
            "a removal B has seen",
            "seq 2 is B's head: B was still a member there",
            "invalid_operation",
            resigned(a, seq=2, entry_hash=b64u(membership.entry_hash(log[2]))),
        ),
        case(
            "a removal before B's head",
            "the notice is older than the log B verified",
            "invalid_operation",
            good,
            entries=[*log, removal, membership.add(a, membership.apply_entry(state, removal), b.identity(), "admin")],
        ),
    ]
    # The last case: B was removed and added again, then read the log on, so the old notice is stale.
    return {
        "unlinked": group_file(
            "unlinked", "A removed device reads the notice of its removal (PROTOCOL.md §17).", vectors
        )
    }
