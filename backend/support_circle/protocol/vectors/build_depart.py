"""Version 2 of the entries that end or close an epoch (§8), and where the server placed a change
(§7): the ``membership`` vectors for who may rotate after a leave and the v2 forms, and the
``placement`` group for ``epoch_ended`` and ``clock_ahead``."""

from typing import Any

from support_circle.protocol import circle_keys, membership, primitives, signed
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.vectors.making import Vector, group_file, substream, vector

Log = list[signed.SignedObject]
NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
DAY_MS = 86_400_000


def _key() -> bytes:
    return circle_keys.new_epoch_key()


class _Log:
    """A circle's log as it grows: genesis(A), add(B), add(C), add(D), all but A plain members."""

    def __init__(self, a: DeviceKeys, *others: DeviceKeys) -> None:
        self.circle_id = primitives.random_bytes(16)
        self.entries: Log = [membership.genesis(a, self.circle_id, _key())]
        for other in others:
            self.then(membership.add(a, self.state, other.identity()))

    @property
    def state(self) -> membership.CircleState:
        return membership.verify_log(self.circle_id, membership.entry_hash(self.entries[0]), self.entries)

    def then(self, entry: signed.SignedObject) -> "_Log":
        self.entries.append(entry)
        return self

    def base(self) -> dict[str, Any]:
        return {"circle_id": b64u(self.circle_id), "genesis_hash": b64u(membership.entry_hash(self.entries[0]))}

    def at(self, signer: DeviceKeys, op: str, **fields: Any) -> signed.SignedObject:
        head = self.state.head
        return membership.entry(signer, self.circle_id, head.seq + 1, head.hash, op, **fields)

    def new_epoch(self) -> dict[str, Any]:
        commitment = b64u(circle_keys.key_commitment(_key(), self.circle_id))
        return {"epoch": self.state.epoch + 1, "key_commitment": commitment}


def membership_v2_vectors() -> list[Vector]:
    """Vectors of the ``membership`` group: each a log that ends with the entry it names."""
    from support_circle.protocol.vectors.runner import state_outputs

    with substream("membership/v2"):
        a, b, c, d = (DeviceKeys.generate() for _ in range(4))

        def fresh() -> _Log:
            return _Log(a, b, c, d)

        def ok(name: str, comment: str, log: _Log) -> Vector:
            return vector(name, comment, entries=log.entries, **log.base(), **state_outputs(log.state))

        def bad(name: str, comment: str, expect: str, log: _Log, entry: signed.SignedObject) -> Vector:
            return vector(name, comment, expect, entries=[*log.entries, entry], **log.base())

        after_v1 = fresh()
        after_v1.then(membership.leave(b, after_v1.state, _key()))
        after_v1.then(membership.rotate(c, after_v1.state, _key(), 0))
        after_v2 = fresh()
        after_v2.then(membership.depart(b, after_v2.state, 0))
        after_v2.then(membership.rotate(c, after_v2.state, _key(), 0))
        closed = fresh()
        closed.then(membership.depart(b, closed.state, 3))
        plain = fresh()
        v2_payload = {"changes": 0}
        return [
            ok(
                "plain member rotates after a v1 leave",
                "C, not an admin, rotates past the epoch B's leave keyed",
                after_v1,
            ),
            ok(
                "plain member rotates after a v2 leave",
                "B leaves (v2, closing epoch 0); C, not an admin, rotates",
                after_v2,
            ),
            ok("v2 leave closes the epoch", "B leaves with changes 3: the epoch stays 0, closed", closed),
            bad(
                "plain member rotates otherwise",
                "C, not an admin, rotates an epoch no leaver closed or keyed",
                "not_admin",
                plain,
                membership.rotate(c, plain.state, _key(), 0),
            ),
            bad(
                "plain member rotates twice after a leave",
                "C rotated past B's leave; D, not an admin, rotates again",
                "not_admin",
                after_v2,
                membership.rotate(d, after_v2.state, _key(), 0),
            ),
            bad(
                "v2 leave with an epoch",
                "a v2 leave makes no key: an epoch member is not one of its fields",
                "malformed",
                plain,
                plain.at(b, "leave", v=2, epoch=1, **v2_payload),
            ),
            bad(
                "v2 leave with a key commitment",
                "a v2 leave carries changes only",
                "malformed",
                plain,
                plain.at(b, "leave", v=2, key_commitment=plain.new_epoch()["key_commitment"], **v2_payload),
            ),
            bad(
                "v2 leave with a new epoch",
                "a v1 leave's fields under v 2",
                "malformed",
                plain,
                plain.at(b, "leave", v=2, **plain.new_epoch()),
            ),
            bad(
                "v2 rotate without changes",
                "changes is required in v 2",
                "malformed",
                plain,
                plain.at(a, "rotate", v=2, **plain.new_epoch()),
            ),
            bad(
                "v2 remove without changes",
                "changes is required in v 2",
                "malformed",
                plain,
                plain.at(a, "remove", v=2, device_id=b64u(d.device_id), **plain.new_epoch()),
            ),
            bad(
                "v1 rotate with changes",
                "changes is a v 2 member",
                "malformed",
                plain,
                plain.at(a, "rotate", **plain.new_epoch(), **v2_payload),
            ),
            bad(
                "v2 add",
                "a v2 add without changes: changes is required in v 2",
                "malformed",
                plain,
                plain.at(a, "add", v=2, member={"identity": DeviceKeys.generate().identity(), "role": "member"}),
            ),
            bad(
                "changes beyond 2^53 - 1",
                "changes is an integer from 0 to 2^53 - 1",
                "malformed",
                plain,
                plain.at(a, "rotate", v=2, **plain.new_epoch(), changes=2**53),
            ),
            bad(
                "changes as text",
                'changes "0"',
                "malformed",
                plain,
                plain.at(a, "rotate", v=2, **plain.new_epoch(), changes="0"),
            ),
            bad(
                "version 3",
                "a membership entry is v 1 or v 2",
                "unsupported_version",
                plain,
                plain.at(a, "rotate", v=3, **plain.new_epoch(), **v2_payload),
            ),
        ]


def placement_vectors() -> dict[str, Any]:
    """The ``placement`` group: a verified log, a change's epoch and position, and maybe an hlc."""
    with substream("placement"):
        a, b, c = (DeviceKeys.generate() for _ in range(3))
        removed = _Log(a, b, c)
        removed.then(membership.remove(a, removed.state, c.device_id, _key(), 5))
        left = _Log(a, b, c)
        left.then(membership.remove(a, left.state, c.device_id, _key(), 5))
        left.then(membership.depart(b, left.state, 7))
        rotated = _Log(a, b, c)
        rotated.then(membership.remove(a, rotated.state, c.device_id, _key(), 5))
        rotated.then(membership.depart(b, rotated.state, 7))
        rotated.then(membership.rotate(a, rotated.state, _key(), 9))
        v1 = _Log(a, b, c)
        v1.then(membership.remove(a, v1.state, c.device_id, _key()))

        def placed(name: str, comment: str, expect: str, log: _Log, epoch: int, position: int, **more: Any) -> Vector:
            state = log.state
            outputs = {"closed": state.closed, "ends": {str(e): n for e, n in sorted(state.ends.items())}}
            fields = {"entries": log.entries, **log.base(), "epoch": epoch, "position": position, **more}
            return vector(name, comment, expect, **fields, **({} if expect != "ok" else outputs))

        hlc = f"{NOW_MS + DAY_MS:013d}-0000-{b64u(b.device_id)}"
        later = f"{NOW_MS + DAY_MS + 1:013d}-0000-{b64u(b.device_id)}"
        vectors = [
            placed("at the removal's position", "epoch 0 ended at change 5; change 5 came before", "ok", removed, 0, 5),
            placed("after the removal", "change 6 under epoch 0, which ended at 5", "epoch_ended", removed, 0, 6),
            placed("the next epoch after the removal", "change 6 under epoch 1", "ok", removed, 1, 6),
            placed("a v1 removal ends nothing", "v1 entries carry no changes", "ok", v1, 0, 1000),
            placed("at the leave's position", "B's v2 leave closed epoch 1 at change 7", "ok", left, 1, 7),
            placed("after the leave", "change 8 under the closed epoch 1", "epoch_ended", left, 1, 8),
            placed(
                "after the leave and a rotate",
                "the rotate's changes 9 does not move epoch 1's end (7)",
                "epoch_ended",
                rotated,
                1,
                8,
            ),
            placed("under the rotated epoch", "change 10 under epoch 2", "ok", rotated, 2, 10),
            placed(
                "clock a day ahead", "hlc exactly 86 400 000 ms after now", "ok", removed, 1, 6, hlc=hlc, now_ms=NOW_MS
            ),
            placed(
                "clock more than a day ahead", "one ms more", "clock_ahead", removed, 1, 6, hlc=later, now_ms=NOW_MS
            ),
            placed(
                "epoch ended before the clock",
                "both fail: the position is checked first",
                "epoch_ended",
                removed,
                0,
                6,
                hlc=later,
                now_ms=NOW_MS,
            ),
        ]
    description = (
        "Where the server placed a change (§7): a change at `position` under `epoch` of the log `entries`, "
        "and optionally an `hlc` read at `now_ms`. Outputs: the log's `closed` and `ends` (§8)."
    )
    return group_file("placement", description, vectors)
