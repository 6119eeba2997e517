"""Rotate before add, and no way back to version 1 (§8): the ``membership`` vectors for a version 2
``add``, which is valid only where the current epoch began, and for a version 1 entry after a
version 2 one."""

from support_circle.protocol import membership, signed
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.vectors.build_depart import _key, _Log
from support_circle.protocol.vectors.making import Vector, substream, vector


def membership_add_vectors() -> list[Vector]:
    """Vectors of the ``membership`` group: each a log that ends with the entry it names."""
    from support_circle.protocol.vectors.runner import state_outputs

    with substream("membership/add"):
        a, b, c, d = (DeviceKeys.generate() for _ in range(4))

        def ok(name: str, comment: str, log: _Log) -> Vector:
            return vector(name, comment, entries=log.entries, **log.base(), **state_outputs(log.state))

        def bad(name: str, comment: str, log: _Log, entry: signed.SignedObject) -> Vector:
            return vector(name, comment, "invalid_operation", entries=[*log.entries, entry], **log.base())

        def rotated(changes: int = 4) -> _Log:
            log = _Log(a, b)
            return log.then(membership.rotate(a, log.state, _key(), changes))

        after_rotate = rotated()
        after_rotate.then(membership.add(a, after_rotate.state, c.identity(), "member", 4))
        several = rotated()
        several.then(membership.add(a, several.state, c.identity(), "member", 4))
        several.then(membership.add(a, several.state, d.identity(), "admin", 4))
        first = _Log(a)
        first.then(membership.add(a, first.state, b.identity(), "member", 0))
        genesis_only = _Log(a)
        v1_rotate = _Log(a, b)
        v1_rotate.then(membership.rotate(a, v1_rotate.state, _key()))
        v2_rotate = rotated()
        closed = rotated()
        closed.then(membership.depart(b, closed.state, 4))
        role_after = rotated()
        role_after.then(membership.set_role(a, role_after.state, b.device_id, "admin"))
        return [
            ok("v2 add after a v2 rotate", "rotate at changes 4, then add C at 4", after_rotate),
            ok("v2 adds after one rotate", "rotate at changes 4, then add C and D (admin), both at 4", several),
            ok("v2 add after the genesis", "the genesis began epoch 0 at 0: add B at 0", first),
            ok("v1 role after a v2 entry", "role stays version 1", role_after),
            bad(
                "v2 add where the epoch did not begin",
                "rotate at changes 4, then add C at 5: change 5 was placed under the epoch first",
                v2_rotate,
                membership.add(a, v2_rotate.state, c.identity(), "member", 5),
            ),
            bad(
                "v2 add after the genesis with changes",
                "the genesis began epoch 0 at 0: add B at 3",
                genesis_only,
                membership.add(a, genesis_only.state, b.identity(), "member", 3),
            ),
            bad(
                "v2 add after a v1 rotate",
                "a v1 rotate says nowhere where the epoch began",
                v1_rotate,
                membership.add(a, v1_rotate.state, c.identity(), "member", 0),
            ),
            bad(
                "v2 add into a closed epoch",
                "rotate at 4, B leaves (v2) at 4, then add C at 4: rotate first",
                closed,
                membership.add(a, closed.state, c.identity(), "member", 4),
            ),
            bad(
                "v1 add after a v2 entry",
                "a v2 rotate, then an add with no changes: no way back to version 1",
                v2_rotate,
                membership.add(a, v2_rotate.state, c.identity()),
            ),
            bad(
                "v1 leave after a v2 entry",
                "a v2 rotate, then B leaves by a v1 leave that keys the next epoch",
                v2_rotate,
                membership.leave(b, v2_rotate.state, _key()),
            ),
            bad(
                "v1 rotate after a v2 entry",
                "a v2 rotate, then a v1 one",
                v2_rotate,
                membership.rotate(a, v2_rotate.state, _key()),
            ),
        ]
