"""The ``membership`` vectors that pin down §8's checks one by one: the genesis, who may sign what,
and which ops the current state allows. Each breaks one rule of an otherwise valid log, so the
code it expects is that rule's and no other's."""

from collections.abc import Callable
from typing import Any

from support_circle.protocol import circle_keys, membership, primitives, signed
from support_circle.protocol.encoding import b64u, parse_json, unb64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.vectors import build_addrotate, build_depart
from support_circle.protocol.vectors.making import Vector, changed, flip, substream, vector
from support_circle.protocol.vectors.runner import state_outputs

Log = list[signed.SignedObject]
States = list[membership.CircleState]


def _payload(entry: signed.SignedObject) -> dict[str, Any]:
    document: dict[str, Any] = parse_json(unb64u(entry["payload"]))
    return document


def _key() -> bytes:
    return circle_keys.new_epoch_key()


def genesis_vectors(a: DeviceKeys, b: DeviceKeys, circle_id: bytes) -> list[Vector]:
    """Logs whose entry 0 is the anchor yet not a valid genesis (§8, entry 0)."""
    me = {"identity": a.identity(), "role": "admin"}
    commitment = b64u(circle_keys.key_commitment(_key(), circle_id))

    def first(name: str, comment: str, expect: str, entry: signed.SignedObject) -> Vector:
        anchor = b64u(membership.entry_hash(entry))
        return vector(name, comment, expect, circle_id=b64u(circle_id), genesis_hash=anchor, entries=[entry])

    def genesis(**fields: Any) -> signed.SignedObject:
        merged = {"member": me, "epoch": 0, "key_commitment": commitment, **fields}
        return membership.entry(a, circle_id, 0, None, "genesis", **merged)

    good = genesis()
    return [
        first(
            "genesis signed for another",
            "the payload's signer names B, the outer signer and the key are A's",
            "context_mismatch",
            a.sign({**_payload(good), "signer": b64u(b.device_id)}),
        ),
        first(
            "log begins with an add",
            "entry 0 is the anchor but not a genesis",
            "invalid_operation",
            membership.entry(a, circle_id, 0, None, "add", member={"identity": b.identity(), "role": "member"}),
        ),
        first("genesis at seq 1", "a genesis is entry 0", "invalid_operation", a.sign({**_payload(good), "seq": 1})),
        first("genesis at epoch 1", "a circle begins at epoch 0", "invalid_operation", genesis(epoch=1)),
        first("genesis epoch as text", 'epoch "0" is not an integer', "malformed", genesis(epoch="0")),
        first(
            "genesis member is not the signer",
            "A signs a genesis whose admin is B",
            "invalid_operation",
            genesis(member={"identity": b.identity(), "role": "admin"}),
        ),
        first(
            "genesis creator not an admin",
            "the creator's role is member",
            "invalid_operation",
            genesis(member={**me, "role": "member"}),
        ),
        first(
            "genesis commitment of 31 bytes",
            "a key commitment is 32 bytes, checked with the payload",
            "bad_encoding",
            genesis(key_commitment=b64u(bytes(31))),
        ),
    ]


def op_vectors(devices: list[DeviceKeys], log: Log, states: States, base: dict[str, str]) -> list[Vector]:
    """Entries after the genesis that break one rule each (§8, entry i > 0). ``log`` is the happy
    log of membership_vectors: genesis(A), add(B), add(C admin), role(B admin) by C, remove(C),
    rotate, leave(B); ``states[i]`` is the state after entry ``i``."""
    a, b, c, stranger = devices
    circle_id = states[0].circle_id

    def after(i: int, name: str, comment: str, expect: str, entry: signed.SignedObject) -> Vector:
        return vector(name, comment, expect, entries=[*log[: i + 1], entry], **base)

    def at(i: int, op: str, signer: DeviceKeys = a, **fields: Any) -> signed.SignedObject:
        state = states[i]
        return membership.entry(signer, circle_id, state.head.seq + 1, state.head.hash, op, **fields)

    def new_epoch(i: int) -> dict[str, Any]:
        return {"epoch": states[i].epoch + 1, "key_commitment": b64u(circle_keys.key_commitment(_key(), circle_id))}

    forged_identity = changed(b.identity(), signer=b64u(c.device_id))
    return [
        after(
            1,
            "signed for another",
            "A signs an add whose payload names B as its signer",
            "context_mismatch",
            a.sign({**_payload(membership.add(a, states[1], stranger.identity())), "signer": b64u(b.device_id)}),
        ),
        after(
            4,
            "removed member signs",
            "C, an admin until entry 4 removed it, rotates",
            "unknown_author",
            membership.rotate(c, states[4], _key()),
        ),
        after(
            6,
            "member who left signs",
            "B, after its leave, rotates",
            "unknown_author",
            membership.rotate(b, states[6], _key()),
        ),
        after(
            2,
            "role by a non-admin",
            "B, a plain member, makes C a member",
            "not_admin",
            membership.set_role(b, states[2], c.device_id, "member"),
        ),
        after(
            3,
            "leave signed by an admin for another",
            "a leave removes its signer only: it has no device_id",
            "malformed",
            at(3, "leave", device_id=b64u(b.device_id), **new_epoch(3)),
        ),
        after(
            1,
            "second genesis",
            "an admin signs a genesis as entry 2",
            "invalid_operation",
            at(1, "genesis", member={"identity": a.identity(), "role": "admin"}, **new_epoch(1) | {"epoch": 0}),
        ),
        after(
            2,
            "add an existing member",
            "B is added again while a member",
            "invalid_operation",
            membership.add(a, states[2], b.identity()),
        ),
        after(
            1,
            "add with a forged identity",
            "B's identity relabelled with C's device id",
            "identity_mismatch",
            membership.add(a, states[1], forged_identity),
        ),
        after(
            1,
            "add with an unknown role",
            "role owner",
            "malformed",
            membership.add(a, states[1], c.identity(), "owner"),
        ),
        after(
            1,
            "add with an extra member field",
            "member carries a name",
            "malformed",
            at(1, "add", member={"identity": c.identity(), "role": "member", "name": "Cy"}),
        ),
        after(
            1,
            "remove a non-member",
            "C has not been added yet",
            "invalid_operation",
            membership.remove(a, states[1], c.device_id, _key()),
        ),
        after(
            4,
            "remove a removed member",
            "C again, after its removal",
            "invalid_operation",
            membership.remove(a, states[4], c.device_id, _key()),
        ),
        after(
            2,
            "remove oneself",
            "A removes A while C is an admin too: a member leaves instead",
            "invalid_operation",
            membership.remove(a, states[2], a.device_id, _key()),
        ),
        after(
            1,
            "demote the last admin",
            "A, the only admin, makes itself a member",
            "invalid_operation",
            membership.set_role(a, states[1], a.device_id, "member"),
        ),
        after(
            3,
            "demote oneself",
            "C makes itself a member while A and B are admins: role never names its signer",
            "invalid_operation",
            membership.set_role(c, states[3], c.device_id, "member"),
        ),
        after(
            1,
            "the last admin leaves",
            "A, the only admin, leaves B without one",
            "invalid_operation",
            membership.leave(a, states[1], _key()),
        ),
        after(1, "unknown role", "role owner", "malformed", membership.set_role(a, states[1], b.device_id, "owner")),
        after(4, "epoch as text", 'rotate to epoch "2"', "malformed", at(4, "rotate", **new_epoch(4) | {"epoch": "2"})),
        after(
            4,
            "remove to a later epoch",
            "remove with epoch current + 2",
            "invalid_operation",
            at(4, "remove", device_id=b64u(b.device_id), **new_epoch(4) | {"epoch": 3}),
        ),
        after(
            4,
            "commitment of 31 bytes",
            "a rotate whose key commitment is short",
            "bad_encoding",
            at(4, "rotate", **new_epoch(4) | {"key_commitment": b64u(bytes(31))}),
        ),
        after(1, "unknown op", "op promote", "malformed", at(1, "promote", device_id=b64u(b.device_id))),
        after(
            1,
            "prev of 16 bytes",
            "prev is a 32-byte hash",
            "bad_encoding",
            membership.entry(a, circle_id, 2, bytes(16), "rotate", **new_epoch(1)),
        ),
        after(
            1,
            "prev null after the genesis",
            "only entry 0 has no prev",
            "broken_chain",
            membership.entry(a, circle_id, 2, None, "rotate", **new_epoch(1)),
        ),
    ]


def order_vectors(devices: list[DeviceKeys], log: Log, states: States, base: dict[str, str]) -> list[Vector]:
    """Entries that break two rules at once: §8's payload checks follow §1 (members, their JSON
    types, then every b64u member's encoding, then the circle), and all of them come before the
    genesis rules, not_admin and the ops' own checks."""
    a, b, _c, _stranger = devices
    circle_id = states[0].circle_id
    other_circle = primitives.random_bytes(16)
    me = {"identity": a.identity(), "role": "admin"}
    forged = changed(b.identity(), sig=flip(b.identity()["sig"]))

    def after(i: int, name: str, comment: str, expect: str, entry: signed.SignedObject) -> Vector:
        return vector(name, comment, expect, entries=[*log[: i + 1], entry], **base)

    def first(name: str, comment: str, expect: str, entry: signed.SignedObject) -> Vector:
        anchor = b64u(membership.entry_hash(entry))
        return vector(name, comment, expect, circle_id=b64u(circle_id), genesis_hash=anchor, entries=[entry])

    def at(i: int, op: str, signer: DeviceKeys = a, **fields: Any) -> signed.SignedObject:
        state = states[i]
        return membership.entry(signer, circle_id, state.head.seq + 1, state.head.hash, op, **fields)

    short = b64u(bytes(31))
    genesis = {"member": me, "epoch": 0, "key_commitment": short}
    short_genesis = membership.entry(a, circle_id, 0, None, "genesis", **genesis)
    return [
        first(
            "genesis commitment before its epoch",
            "epoch 1 and a 31-byte key commitment: the payload checks come before the genesis rules",
            "bad_encoding",
            membership.entry(a, circle_id, 0, None, "genesis", **genesis | {"epoch": 1}),
        ),
        first(
            "genesis commitment before the signature",
            "a 31-byte key commitment and the signature flipped",
            "bad_encoding",
            changed(short_genesis, sig=flip(short_genesis["sig"])),
        ),
        after(
            4,
            "commitment before the epoch",
            "a rotate to epoch current + 2 whose key commitment is 31 bytes",
            "bad_encoding",
            at(4, "rotate", epoch=states[4].epoch + 2, key_commitment=short),
        ),
        after(
            1,
            "prev before the circle",
            "a 16-byte prev in an entry of another circle: encodings come before the circle is compared",
            "bad_encoding",
            membership.entry(a, other_circle, 2, bytes(16), "rotate", epoch=1, key_commitment=b64u(bytes(32))),
        ),
        after(
            1,
            "seq before the circle",
            'seq "2" in an entry of another circle: JSON types come before the circle is compared',
            "malformed",
            a.sign(
                {
                    **_payload(at(1, "rotate", epoch=1, key_commitment=b64u(bytes(32)))),
                    "seq": "2",
                    "circle_id": b64u(other_circle),
                }
            ),
        ),
        after(
            1,
            "encodings before not_admin",
            "B, a plain member, removes a 15-byte device id",
            "bad_encoding",
            at(1, "remove", b, device_id=b64u(bytes(15)), epoch=1, key_commitment=b64u(bytes(32))),
        ),
        after(
            1,
            "member role before its identity",
            "an add whose member has a role that is not a string and a forged identity",
            "malformed",
            at(1, "add", member={"identity": forged, "role": 5}),
        ),
    ]


def head_vectors(log: Log, states: States, base: dict[str, str]) -> list[Vector]:
    """The known head is checked after every entry verifies."""
    older = {"seq": 3, "hash": b64u(states[3].head.hash)}
    newest = {"seq": states[-1].head.seq, "hash": b64u(states[-1].head.hash)}
    tampered = [*log[:3], changed(log[3], sig=flip(log[3]["sig"])), log[4]]
    return [
        vector(
            "known an older head",
            "the log goes on past it",
            entries=log,
            known_head=older,
            **base,
            **state_outputs(states[-1]),
        ),
        vector(
            "rolled back and tampered",
            "shorter than the known head, with a bad signature at entry 3: the entries are verified first",
            "bad_signature",
            entries=tampered,
            known_head=newest,
            **base,
        ),
    ]


def readd_vectors(a: DeviceKeys, b: DeviceKeys) -> list[Vector]:
    """A device removed and added again, a role set to the one it has, and a plain member leaving."""
    circle_id = primitives.random_bytes(16)
    log: Log = [membership.genesis(a, circle_id, _key())]
    anchor = membership.entry_hash(log[0])
    steps: list[Callable[[membership.CircleState], signed.SignedObject]] = [
        lambda s: membership.add(a, s, b.identity()),
        lambda s: membership.remove(a, s, b.device_id, _key()),
        lambda s: membership.add(a, s, b.identity()),
        lambda s: membership.set_role(a, s, b.device_id, "member"),
        lambda s: membership.leave(b, s, _key()),
    ]
    for step in steps:
        log.append(step(membership.verify_log(circle_id, anchor, log)))
    final = membership.verify_log(circle_id, anchor, log)
    base = {"circle_id": b64u(circle_id), "genesis_hash": b64u(anchor)}
    return [
        vector(
            "added again",
            "genesis(A), add(B), remove(B), add(B) again, role(B member) as it is, leave(B): B is a member of "
            "epochs 0 and 1, not of epoch 2",
            entries=log,
            **base,
            **state_outputs(final),
        )
    ]


def build(devices: list[DeviceKeys], log: Log, states: States, base: dict[str, str]) -> list[Vector]:
    a, b = devices[0], devices[1]
    with substream("membership/rules"):
        rules = [
            *genesis_vectors(a, b, states[0].circle_id),
            *op_vectors(devices, log, states, base),
            *head_vectors(log, states, base),
            *readd_vectors(a, b),
        ]
    # Drawn from a stream of their own, so the vectors above keep their bytes.
    with substream("membership/order"):
        ordered = order_vectors(devices, log, states, base)
    return [*rules, *ordered, *build_depart.membership_v2_vectors(), *build_addrotate.membership_add_vectors()]
