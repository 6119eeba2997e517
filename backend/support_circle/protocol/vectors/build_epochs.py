"""Vectors for the epoch keys a member holds in a shared circle when a leaver's key is bad (§16)."""

from typing import Any

from support_circle.protocol import circle_keys, membership, primitives, signed
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys
from support_circle.protocol.vectors.making import changed, flip, group_file, vector

Files = dict[str, dict[str, Any]]


def build() -> Files:
    """A, B and C; C leaves (epoch 1, C's key), then A rotates (epoch 2). B reads."""
    a, b, c = DeviceKeys.generate(), DeviceKeys.generate(), DeviceKeys.generate()
    circle_id = primitives.random_bytes(16)
    keys = [circle_keys.new_epoch_key() for _ in range(3)]
    log: list[signed.SignedObject] = [membership.genesis(a, circle_id, keys[0])]
    anchor = membership.entry_hash(log[0])

    def state() -> membership.CircleState:
        return membership.verify_log(circle_id, anchor, log)

    log.append(membership.add(a, state(), b.identity()))
    log.append(membership.add(a, state(), c.identity()))
    log.append(membership.leave(c, state(), keys[1]))
    before_rotate = list(log)
    log.append(membership.rotate(a, state(), keys[2]))

    def sealed(epoch: int, key: bytes | None = None) -> dict[str, Any]:
        return circle_keys.seal_key_envelope(circle_id, epoch, b.public, key or keys[epoch])

    good = [sealed(0), sealed(1), sealed(2)]
    bad_leave = sealed(1, circle_keys.new_epoch_key())
    base: dict[str, Any] = {
        "circle_id": b64u(circle_id),
        "genesis_hash": b64u(anchor),
        "entries": log,
        "recipient_device_id": b64u(b.device_id),
        "recipient_kem_private": b64u(b.kem_private),
        "shared": True,
    }

    def held(*epochs: int) -> dict[str, str]:
        return {str(e): b64u(keys[e]) for e in epochs}

    return {
        "epoch_keys": group_file(
            "epoch_keys",
            "The epoch keys member B holds, and the epochs it cannot read, in a circle where C left "
            "(epoch 1, keyed by C) and admin A then rotated (epoch 2) (§16, 'A member's bad data'). "
            "A added B and C with no rotate before them: a reader does not require one (§16, 'Epochs in a "
            "shared circle').",
            [
                vector(
                    "all sound",
                    "every envelope opens and matches",
                    **base,
                    envelopes=good,
                    keys=held(0, 1, 2),
                    unreadable=[],
                ),
                vector(
                    "leaver's key does not match",
                    "C sealed B a key other than the one its leave commits to: epoch 1 is unreadable, not an error",
                    **base,
                    envelopes=[good[0], bad_leave, good[2]],
                    keys=held(0, 2),
                    unreadable=[1],
                ),
                vector(
                    "leaver's key does not match, personal circle",
                    "only the person's own devices write there, so a bad key is the server's doing",
                    "key_mismatch",
                    **{**base, "shared": False},
                    envelopes=[good[0], bad_leave, good[2]],
                ),
                vector(
                    "leaver sealed nothing to B",
                    "no envelope for epoch 1: unreadable, not unknown_epoch",
                    **base,
                    envelopes=[good[0], good[2]],
                    keys=held(0, 2),
                    unreadable=[1],
                ),
                vector(
                    "leaver's envelope does not open",
                    "one bit of the sealed key flipped",
                    **base,
                    envelopes=[good[0], changed(good[1], sealed=flip(good[1]["sealed"])), good[2]],
                    keys=held(0, 2),
                    unreadable=[1],
                ),
                vector(
                    "leaver's envelope too short",
                    "20 sealed bytes",
                    **base,
                    envelopes=[good[0], changed(good[1], sealed=b64u(bytes(20))), good[2]],
                    keys=held(0, 2),
                    unreadable=[1],
                ),
                vector(
                    "before the admin rotates",
                    "the current epoch is unreadable: B writes nothing until a later epoch begins",
                    **{**base, "entries": before_rotate},
                    envelopes=[good[0], bad_leave],
                    keys=held(0),
                    unreadable=[1],
                ),
                vector(
                    "an admin's key does not match",
                    "epoch 2 is A's rotate: a key not matching its commitment is the server's doing",
                    "key_mismatch",
                    **base,
                    envelopes=[good[0], good[1], sealed(2, circle_keys.new_epoch_key())],
                ),
                vector(
                    "another device's envelope for the leaver's epoch",
                    "an envelope naming another recipient can only come from the server",
                    "context_mismatch",
                    **base,
                    envelopes=[good[0], changed(good[1], recipient=b64u(a.device_id)), good[2]],
                ),
                vector(
                    "leaver's epoch written 1.0",
                    "1.0 is not the integer 1 (§1), so the envelope is for no epoch a leaver keyed: malformed, "
                    "which the server refuses from any member, so only it can cause it",
                    "malformed",
                    **base,
                    envelopes=[good[0], changed(good[1], epoch=1.0), good[2]],
                ),
            ],
        )
    }
