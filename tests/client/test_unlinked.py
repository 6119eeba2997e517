"""The reference client as a removed device (PROTOCOL.md §17): it forgets everything on a notice
one of the person's own devices signed, and nothing on a bare "not found"."""

import pytest

from support_circle.client import ApiError, Device
from support_circle.protocol import circle_keys, membership
from tests.conftest import NewDevice


def _linked(new_device: NewDevice) -> tuple[Device, Device, bytes]:
    """A person's personal circle on two devices, with a note both hold."""
    phone, tablet = new_device(), new_device()
    mine = phone.create_circle()
    mine.add_member(tablet.keys.identity(), "admin", history=True)
    note = mine.write({"kind": "note", "text": "Call Sam on Friday"})
    mine.push()
    theirs = tablet.join_circle(mine.circle_id, mine.genesis_hash)
    assert theirs.pull() == 1
    return phone, tablet, note


def _gone(tablet: Device) -> None:
    (theirs,) = tablet.circles.values()
    with pytest.raises(ApiError) as refused:
        theirs.refresh()
    assert refused.value.status == 404


def test_a_device_its_person_unlinked_forgets_everything(new_device: NewDevice) -> None:
    phone, tablet, note = _linked(new_device)
    (mine,), (theirs,) = phone.circles.values(), tablet.circles.values()
    mine.remove_member(tablet.keys.device_id)

    _gone(tablet)
    assert tablet.unlinked_from(theirs)
    assert tablet.wiped and tablet.circles == {} and theirs.records == {} and theirs.keys == {}
    assert mine.body(note) == {"kind": "note", "text": "Call Sam on Friday"}


def test_a_bare_not_found_erases_nothing(new_device: NewDevice) -> None:
    phone, tablet, note = _linked(new_device)
    (mine,), (theirs,) = phone.circles.values(), tablet.circles.values()
    # Removed with no notice left (as a server that withholds it would answer).
    key = circle_keys.new_epoch_key()
    remove = lambda changes: membership.remove(phone.keys, mine.verified, tablet.keys.device_id, key, changes)  # noqa: E731
    mine._rekey(remove, key)

    _gone(tablet)
    assert not tablet.unlinked_from(theirs)
    assert not tablet.wiped and theirs.body(note) == {"kind": "note", "text": "Call Sam on Friday"}


def test_a_notice_from_a_device_outside_its_log_erases_nothing(new_device: NewDevice) -> None:
    phone, tablet, note = _linked(new_device)
    (mine,), (theirs,) = phone.circles.values(), tablet.circles.values()
    stranger = new_device()
    mine.add_member(stranger.keys.identity(), "admin")
    # The stranger became an admin after the tablet last verified the log: the tablet cannot trust it.
    strangers = stranger.join_circle(mine.circle_id, mine.genesis_hash)
    strangers.remove_member(tablet.keys.device_id)

    _gone(tablet)
    assert not tablet.unlinked_from(theirs)
    assert theirs.body(note) == {"kind": "note", "text": "Call Sam on Friday"}
