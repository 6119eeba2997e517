"""A person's devices in one circle (§8, "A person's devices"): the ``companions`` vectors, each a
log that ends with the entry it names, and the person of every member a ``companion`` let in."""

from typing import Any

from support_circle.protocol import keyring, membership, primitives, signed
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.vectors.build_depart import _key, _Log
from support_circle.protocol.vectors.making import Vector, group_file, substream, vector


def build() -> dict[str, dict[str, Any]]:
    return {
        "companions": group_file(
            "companions",
            "Membership logs with companions (PROTOCOL.md §8, \"A person's devices\"): a member's device "
            "lets in another device of its own person in its role; it may remove its own person's other "
            "devices; an admin's remove takes a whole other person, its role a whole person. Outputs as "
            "the membership group's, and `persons`: each member a companion let in, with its person.",
            _vectors(),
        ),
        "keyring": group_file(
            "keyring",
            "The person's keyring (PROTOCOL.md §16, \"A person's circles\"): the record ids every device of "
            "the person derives for a shared circle's `circle-link` and for each `circle-key`, and a "
            "`circle-key` body checked against the shared circle's verified log before its key is used.",
            _keyring_vectors(),
        ),
    }


def persons_output(state: membership.CircleState) -> dict[str, str]:
    return {b64u(d): b64u(p) for d, p in sorted(state.persons.items())}


def _vectors() -> list[Vector]:
    from support_circle.protocol.vectors.runner import state_outputs

    with substream("companions"):
        a, b, c, a2, b2, b3 = (DeviceKeys.generate() for _ in range(6))

        def ok(name: str, comment: str, log: _Log) -> Vector:
            state = log.state
            outputs = {**state_outputs(state), "persons": persons_output(state)}
            return vector(name, comment, entries=log.entries, **log.base(), **outputs)

        def bad(name: str, comment: str, expect: str, log: _Log, entry: signed.SignedObject) -> Vector:
            return vector(name, comment, expect, entries=[*log.entries, entry], **log.base())

        def fresh() -> _Log:
            """genesis(A), add(B), add(C) (v1), then B's companion B2 at changes 3."""
            log = _Log(a, b, c)
            return log.then(membership.companion(b, log.state, b2.identity(), 3))

        def then(log: _Log, make: Any) -> _Log:
            return log.then(make(log.state))

        admin_pair = _Log(a, b)
        then(admin_pair, lambda s: membership.companion(a, s, a2.identity(), 0))

        def chain() -> _Log:
            return then(fresh(), lambda s: membership.companion(b2, s, b3.identity(), 5))

        chained = chain()
        unlinked = then(fresh(), lambda s: membership.remove(b, s, b2.device_id, _key(), 4))
        lost_first = then(fresh(), lambda s: membership.remove(b2, s, b.device_id, _key(), 4))
        person_gone = then(chain(), lambda s: membership.remove(a, s, b2.device_id, _key(), 6))
        person_role = then(fresh(), lambda s: membership.set_role(a, s, b2.device_id, "admin"))
        one_leaves = then(fresh(), lambda s: membership.depart(b2, s, 4))
        readded = then(
            then(fresh(), lambda s: membership.remove(b, s, b2.device_id, _key(), 4)),
            lambda s: membership.add(a, s, b2.identity(), "member", 4),
        )
        with_a2 = then(fresh(), lambda s: membership.companion(a, s, a2.identity(), 3))
        closed = then(fresh(), lambda s: membership.depart(c, s, 4))
        pair, three, plain = _Log(a, b), _Log(a, b, c), fresh()
        lost_again = then(fresh(), lambda s: membership.remove(b2, s, b.device_id, _key(), 4))
        removed = then(fresh(), lambda s: membership.remove(a, s, b.device_id, _key(), 4))
        return [
            ok("admin's companion", "A (admin) lets in A2 at changes 0: A2 is an admin of A's person", admin_pair),
            ok("member's companion", "B (member) lets in B2 at changes 3, no rotate before it", fresh()),
            ok("companion of a companion", "B2 lets in B3: B3 is B's person too", chained),
            ok("member unlinks its companion", "B removes B2: B2 alone goes, a new epoch B keys", unlinked),
            ok("companion removes its person's first device", "B2 removes B (a lost phone): B2 stays", lost_first),
            ok("admin removes a person", "A removes B2: B, B2 and B3 all go, one new epoch", person_gone),
            ok("role of a person", "A makes B2 an admin: B is one too", person_role),
            ok("a companion leaves alone", "B2 leaves (v2): B stays, the epoch is closed", one_leaves),
            ok("an unlinked device added again", "B2 unlinked, then added by A: a person of its own", readded),
            bad(
                "add of a device whose person stayed",
                "B2 removes B (lost), then A adds B again as a person of its own",
                "invalid_operation",
                lost_again,
                membership.add(a, lost_again.state, b.identity(), "admin", 4),
            ),
            bad(
                "companion in another role",
                "B (member) lets in B2 as an admin",
                "invalid_operation",
                pair,
                membership.entry(
                    b, *_at(pair), "companion", v=2, member={"identity": b2.identity(), "role": "admin"}, changes=2
                ),
            ),
            bad(
                "companion already a member",
                "B lets in C, a person of its own",
                "invalid_operation",
                three,
                membership.companion(b, three.state, c.identity(), 3),
            ),
            bad(
                "companion into a closed epoch",
                "C leaves (v2), then B lets in B3: rotate first",
                "invalid_operation",
                closed,
                membership.companion(b, closed.state, b3.identity(), 4),
            ),
            bad(
                "member removes another person",
                "B (member) removes C",
                "not_admin",
                plain,
                membership.remove(b, plain.state, c.device_id, _key(), 4),
            ),
            bad(
                "member removes an admin's companion",
                "B (member) removes A2, A's companion",
                "not_admin",
                with_a2,
                membership.remove(b, with_a2.state, a2.device_id, _key(), 3),
            ),
            bad(
                "admin sets its own companion's role",
                "A makes A2 (its companion, an admin) a member",
                "invalid_operation",
                with_a2,
                membership.set_role(a, with_a2.state, a2.device_id, "member"),
            ),
            bad(
                "companion by a removed person's device",
                "A removes B, which takes B2; B2 then lets in B3",
                "unknown_author",
                removed,
                membership.entry(
                    b2, *_at(removed), "companion", v=2, member={"identity": b3.identity(), "role": "member"}, changes=4
                ),
            ),
            bad(
                "companion as version 1",
                "version 1 has no companion op",
                "malformed",
                pair,
                membership.entry(b, *_at(pair), "companion", member={"identity": b2.identity(), "role": "member"}),
            ),
            bad(
                "companion without changes",
                "a v2 companion names the change position its signer pulled",
                "malformed",
                pair,
                membership.entry(b, *_at(pair), "companion", v=2, member={"identity": b2.identity(), "role": "member"}),
            ),
        ]


def _at(log: _Log) -> tuple[bytes, int, bytes]:
    head = log.state.head
    return log.circle_id, head.seq + 1, head.hash


def _keyring_vectors() -> list[Vector]:
    with substream("keyring"):
        a, b = DeviceKeys.generate(), DeviceKeys.generate()
        personal = primitives.random_bytes(16)
        log = _Log(a, b)
        first_key = _key()
        log.entries[0] = membership.genesis(a, log.circle_id, first_key)
        log.entries[1:] = []
        log.then(membership.add(a, log.state, b.identity()))
        second_key = _key()
        log.then(membership.rotate(a, log.state, second_key, 0))

        def ids(name: str, comment: str, circle_id: bytes, epoch: int) -> Vector:
            return vector(
                name,
                comment,
                personal_circle_id=b64u(personal),
                circle_id=b64u(circle_id),
                epoch=epoch,
                link_record_id=b64u(keyring.link_record_id(personal, circle_id)),
                key_record_id=b64u(keyring.key_record_id(personal, circle_id, epoch)),
            )

        def key(name: str, comment: str, body: dict[str, Any], expect: str = "ok") -> Vector:
            outputs = {"key_epoch": body["epoch"]} if expect == "ok" else {}
            return vector(name, comment, expect, entries=log.entries, **log.base(), body=body, **outputs)

        good = keyring.key_body(log.circle_id, 1, second_key)
        return [
            ids("ids of epoch 0", "the link's id and epoch 0's key id", log.circle_id, 0),
            ids("ids of epoch 1", "the same link id, another key id", log.circle_id, 1),
            ids("ids of the last epoch", "u32 epoch 2^32 - 1 in the key id's input", log.circle_id, 2**32 - 1),
            key(
                "key of epoch 0",
                "the genesis's key, as its commitment says",
                keyring.key_body(log.circle_id, 0, first_key),
            ),
            key("key of epoch 1", "the rotate's key", good),
            key("key under another epoch", "epoch 1's key named as epoch 0's", {**good, "epoch": 0}, "key_mismatch"),
            key("key of an epoch the log lacks", "epoch 2 is not in the log", {**good, "epoch": 2}, "unknown_epoch"),
            key(
                "key of another circle",
                "the body names another circle",
                {**good, "circle": b64u(primitives.random_bytes(16))},
                "context_mismatch",
            ),
            key("key of 31 bytes", "a key is 32 bytes", {**good, "key": b64u(second_key[:31])}, "bad_encoding"),
            key("epoch as text", 'epoch "1" is not an integer', {**good, "epoch": "1"}, "malformed"),
        ]
