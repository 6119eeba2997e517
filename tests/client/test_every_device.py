"""Circles on every device of the person (issue 17; PROTOCOL.md §8 "A person's devices", §16 "A
person's circles"), with the reference client: a linked laptop and a phone recovered with the
recovery key both see and use every circle, history and all; a circle started later reaches
every linked device; unlinking takes a device out of every circle with a new epoch."""

import pytest

from support_circle.client import ApiError, CircleReplica, Device
from support_circle.client.person import keep_circles, leave, unlink
from support_circle.client.recovery import keep_escrow, recover
from support_circle.protocol import primitives
from support_circle.protocol.encoding import b64u
from tests.conftest import NewDevice

EARLY = {"kind": "note", "title": "", "text": "Sam walks me home on Tuesdays"}


def _shared_with(facilitator: Device, survivor: Device) -> tuple[CircleReplica, CircleReplica, bytes]:
    """A circle the facilitator starts and lets the survivor in, with a note written in an epoch
    that ends before any other device of the survivor's comes: only the keyring can read it then."""
    theirs = facilitator.create_circle(shared=True)
    theirs.add_member(survivor.keys.identity())
    early = theirs.write(EARLY)
    theirs.push()
    theirs.rotate()
    mine = survivor.join_circle(theirs.circle_id, theirs.genesis_hash, shared=True)
    mine.pull()
    return theirs, mine, early


def _linked(phone: Device, laptop: Device, personal: CircleReplica) -> CircleReplica:
    personal.add_member(laptop.keys.identity(), "admin", history=True)
    on_laptop = laptop.join_circle(personal.circle_id, personal.genesis_hash)
    on_laptop.pull()
    return on_laptop


def _held(device: Device, circle: CircleReplica) -> CircleReplica:
    return device.circles[b64u(circle.circle_id)]


def test_a_linked_laptop_sees_and_uses_every_circle(new_device: NewDevice) -> None:
    phone, laptop, facilitator, other = (new_device() for _ in range(4))
    personal = phone.create_circle()
    theirs, mine, early = _shared_with(facilitator, phone)
    mine.write({"kind": "note", "title": "", "text": "From my phone"})
    mine.push()
    keep_circles(phone, personal)
    on_laptop = _linked(phone, laptop, personal)

    assert keep_circles(laptop, on_laptop) == [], "not let in yet: the server says not found, and it waits"
    keep_circles(phone, personal)
    [opened] = keep_circles(laptop, on_laptop)
    assert opened.circle_id == theirs.circle_id
    assert opened.body(early) == EARLY, "the history from before the person joined, through the keyring"
    assert opened.verified.person_of(laptop.keys.device_id) == phone.keys.device_id
    written = opened.write({"kind": "note", "title": "", "text": "From my laptop"})
    opened.push()
    theirs.pull()
    assert theirs.body(written) == {"kind": "note", "title": "", "text": "From my laptop"}

    # A circle started later reaches the linked device as well.
    later, _, later_note = _shared_with(other, phone)
    keep_circles(phone, personal)
    [second] = keep_circles(laptop, on_laptop)
    assert second.circle_id == later.circle_id and second.body(later_note) == EARLY


def test_unlinking_takes_the_device_out_of_every_circle_with_a_new_epoch(new_device: NewDevice) -> None:
    phone, laptop, facilitator = (new_device() for _ in range(3))
    personal = phone.create_circle()
    theirs, mine, _ = _shared_with(facilitator, phone)
    keep_circles(phone, personal)
    on_laptop = _linked(phone, laptop, personal)
    keep_circles(phone, personal)
    [opened] = keep_circles(laptop, on_laptop)
    epoch = mine.verified.epoch

    unlink(phone, personal, laptop.keys.device_id)
    assert laptop.keys.device_id not in mine.verified.members
    assert mine.verified.epoch == epoch + 1
    after = theirs.write({"kind": "note", "title": "", "text": "After the laptop was taken"})
    theirs.push()
    with pytest.raises(ApiError) as refused:
        opened.pull()
    assert refused.value.status == 404
    assert opened.body(after) is None and epoch + 1 not in opened.keys
    assert laptop.unlinked_from(on_laptop) and laptop.wiped


def test_a_members_companion_is_of_its_person_and_goes_with_it(new_device: NewDevice) -> None:
    """The companion rule as the server enforces it: a member's companion is of its own person, so
    an admin who removes that member removes the companion with it."""
    phone, stranger, facilitator = (new_device() for _ in range(3))
    theirs, mine, _ = _shared_with(facilitator, phone)
    mine.add_companion(stranger.keys.identity())
    theirs.refresh()
    assert theirs.verified.person_of(stranger.keys.device_id) == phone.keys.device_id
    theirs.remove_member(phone.keys.device_id)
    assert set(theirs.verified.members) == {facilitator.keys.device_id}


def test_a_recovered_phone_sees_and_uses_every_circle(client: object, new_device: NewDevice) -> None:
    lost, facilitator = new_device(), new_device()
    personal = lost.create_circle()
    theirs, _, early = _shared_with(facilitator, lost)
    recovery_key = primitives.random_bytes(32)
    keep_circles(lost, personal)
    kept = keep_escrow(lost, recovery_key, personal)
    theirs.refresh()
    assert kept.identity.device_id in theirs.verified.members, "the recovery identity is a companion there"

    phone, _ = recover("http://testserver", recovery_key, http=client)  # type: ignore[arg-type]
    on_phone = _held(phone, theirs)
    assert on_phone.body(early) == EARLY, "the whole history, through the keyring"
    theirs.refresh()
    assert set(theirs.verified.members) == {facilitator.keys.device_id, phone.keys.device_id}
    written = on_phone.write({"kind": "note", "title": "", "text": "From my new phone"})
    on_phone.push()
    theirs.pull()
    assert theirs.body(written) == {"kind": "note", "title": "", "text": "From my new phone"}


def test_a_device_the_personal_circle_lost_leaves_every_circle_at_the_next_sync(new_device: NewDevice) -> None:
    """Unlinked from the personal circle alone (by an app that stopped half-way, say): the next sync
    of any device of the person takes it out of each shared circle, a new epoch (§16, "Unlinking")."""
    phone, laptop, facilitator = (new_device() for _ in range(3))
    personal = phone.create_circle()
    _, mine, _ = _shared_with(facilitator, phone)
    keep_circles(phone, personal)
    _linked(phone, laptop, personal)
    keep_circles(phone, personal)
    assert laptop.keys.device_id in mine.verified.members
    epoch = mine.verified.epoch

    personal.remove_member(laptop.keys.device_id)
    keep_circles(phone, personal)
    assert laptop.keys.device_id not in mine.verified.members
    assert mine.verified.epoch == epoch + 1


def test_the_person_leaves_a_circle_with_every_device(new_device: NewDevice) -> None:
    phone, laptop, facilitator = (new_device() for _ in range(3))
    personal = phone.create_circle()
    theirs, mine, _ = _shared_with(facilitator, phone)
    keep_circles(phone, personal)
    on_laptop = _linked(phone, laptop, personal)
    keep_circles(phone, personal)
    keep_circles(laptop, on_laptop)

    leave(phone, personal, mine)
    theirs.refresh()
    assert set(theirs.verified.members) == {facilitator.keys.device_id}
    assert keep_circles(phone, personal) == [] and b64u(theirs.circle_id) not in phone.circles
