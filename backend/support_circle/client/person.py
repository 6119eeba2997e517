"""Circles on every device of the person (PROTOCOL.md §16, "A person's circles").

    keep_circles(device, personal)          # at each sync, on every device of the person
    unlink(device, personal, device_id)     # the person unlinks one of their devices everywhere
    leave(device, personal, circle)         # the person, not one device, leaves a circle

Each shared circle a device holds goes into the person's keyring (``circle-link`` and one
``circle-key`` per epoch key, records of the personal circle), and every member of the personal
circle is let in as the device's ``companion`` (§8, "A person's devices"). A device that finds a
``circle-link`` of a circle it does not hold yet opens it with the keyring's keys, each checked
against that circle's own verified log, so it reads the history from the first epoch.
"""

import json
from typing import Any

from support_circle.client.circle import CircleReplica
from support_circle.client.device import Device
from support_circle.client.http import ApiError
from support_circle.client.refusals import KEY, refused
from support_circle.protocol import keyring, signed
from support_circle.protocol.encoding import b64u


def shared_circles(device: Device) -> list[CircleReplica]:
    return [c for c in device.circles.values() if c.shared and c.state is not None]


def keep_circles(device: Device, personal: CircleReplica) -> list[CircleReplica]:
    """One sync of the person's circles: what this device holds goes into the keyring and reaches
    every device of the person; what the keyring names and this device lacks is opened. Returns
    the circles it opened."""
    personal.pull()
    for circle in shared_circles(device):
        circle.pull()
        let_go_of_unlinked(personal, circle)
        reach_every_device(personal, circle)
    opened = open_linked(device, personal)
    personal.push()
    return opened


def keep_keyring(personal: CircleReplica, circle: CircleReplica) -> None:
    """Queues the circle's link and a key record for each epoch key held that has none yet; the
    ids are derived, so every device of the person writes the same record with the same body."""
    mine = personal.circle_id
    link = keyring.link_body(circle.circle_id, circle.genesis_hash)
    _write_once(personal, keyring.link_record_id(mine, circle.circle_id), link)
    for epoch, key in sorted(circle.keys.items()):
        record_id = keyring.key_record_id(mine, circle.circle_id, epoch)
        _write_once(personal, record_id, keyring.key_body(circle.circle_id, epoch, key))


def _write_once(personal: CircleReplica, record_id: bytes, body: dict[str, Any]) -> None:
    if personal.body(record_id) != body:
        personal.write(body, record_id)


def reach_every_device(personal: CircleReplica, circle: CircleReplica) -> None:
    """Lets in, as this device's companions, the members of the personal circle (the person's
    devices and recovery identities) that the shared circle lacks; never anyone else (§16)."""
    identities = signed_identities(personal)
    for device_id in personal.verified.members:
        if device_id not in circle.verified.members:
            circle.add_companion(identities[device_id])
    keep_keyring(personal, circle)


def let_go_of_unlinked(personal: CircleReplica, circle: CircleReplica) -> None:
    """Removes from the shared circle every other device of this device's person that the personal
    circle no longer has (unlinked, or lost and replaced by a recovery), each a new epoch; the
    personal log is verified again first, so a device linked a moment ago is not taken for one
    unlinked (§16, "Unlinking")."""
    me = circle.device.keys.device_id

    def stale() -> list[bytes]:
        return [d for d in circle.verified.companions(me) if d not in personal.verified.members]

    if not stale():
        return
    personal.refresh()
    for device_id in stale():
        circle.remove_member(device_id, tell=False)
    keep_keyring(personal, circle)


def open_linked(device: Device, personal: CircleReplica) -> list[CircleReplica]:
    """Opens every circle the keyring links that this device does not hold and is a member of
    (until a companion entry lets it in, the server answers ``not_found``, and it waits)."""
    opened = []
    for body in _bodies(personal, keyring.LINK_KIND):
        circle_id, genesis_hash = keyring.read_link(body)
        if b64u(circle_id) in device.circles:
            continue
        circle = CircleReplica(device, circle_id, genesis_hash, shared=True)
        try:
            circle.refresh()
        except ApiError as error:
            if error.code != "not_found":
                raise
            continue
        circle.take_keys(keyring_keys(personal, circle))
        circle.pull()
        device.circles[b64u(circle_id)] = circle
        opened.append(circle)
    return opened


def keyring_keys(personal: CircleReplica, circle: CircleReplica) -> dict[int, bytes]:
    """The keyring's keys of ``circle``, each checked against its verified log. Only the person's
    own devices write the keyring, so a key that fails is refused, as everything in the personal
    circle is (§16)."""
    keys = {}
    for body in _bodies(personal, keyring.KEY_KIND):
        if body.get("circle") != b64u(circle.circle_id):
            continue
        with refused(f"A key in the keyring of {circle.label}", KEY):
            epoch, key = keyring.checked_key(body, circle.verified)
        keys[epoch] = key
    return keys


def unlink(device: Device, personal: CircleReplica, device_id: bytes) -> None:
    """Removes one of the person's devices from the personal circle (leaving it the notice on
    which it erases itself, §17) and from every shared circle, each with a new epoch it gets no
    key of; the new keys go into the keyring."""
    personal.remove_member(device_id)
    for circle in shared_circles(device):
        if device_id in circle.verified.members:
            circle.remove_member(device_id, tell=False)
            keep_keyring(personal, circle)
    personal.push()


def leave(device: Device, personal: CircleReplica, circle: CircleReplica) -> None:
    """The person leaves a shared circle: this device's companions there go first (each a new
    epoch), or one of them would let it in again; then its link leaves the keyring, and it leaves."""
    for device_id in circle.verified.companions(device.keys.device_id):
        circle.remove_member(device_id, tell=False)
    link = keyring.link_record_id(personal.circle_id, circle.circle_id)
    if personal.body(link) is not None:
        personal.write(None, link)
        personal.push()
    circle.leave()
    device.circles.pop(b64u(circle.circle_id), None)


def signed_identities(circle: CircleReplica) -> dict[bytes, dict[str, Any]]:
    """The signed identity of each device the circle's verified log let in, by device id (its
    newest entry's), as a ``companion`` entry must carry it."""
    found: dict[bytes, dict[str, Any]] = {}
    for entry in circle.log:
        member = json.loads(signed.decode(entry)[1]).get("member")
        if isinstance(member, dict):
            found[signed.decode(member["identity"])[0]] = member["identity"]
    return found


def _bodies(personal: CircleReplica, kind: str) -> list[dict[str, Any]]:
    bodies = (personal.body(record_id) for record_id in list(personal.records))
    return [body for body in bodies if body is not None and body.get("kind") == kind]
