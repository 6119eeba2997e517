"""The server tries to make a device erase itself (PROTOCOL.md §17). A device the person unlinked
erases itself on the notice one of their own devices signed; the server can withhold that notice,
but nothing it can do alone — hide the circle, plant a notice of its own, replay an old one —
makes a device erase the person's copy."""

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from support_circle.client import ApiError, Device
from support_circle.client.circle import CircleReplica
from support_circle.models import CircleMember, UnlinkedNotice
from support_circle.protocol import membership, unlinked
from support_circle.protocol.encoding import b64u
from support_circle.protocol.identity import DeviceKeys

NOTE = {"kind": "note", "text": "Call Sam on Friday"}


class Pair:
    """One person's phone and tablet, sharing their personal circle and a note in it."""

    def __init__(self, new_device: Callable[[], Device], engine: Engine) -> None:
        self.phone, self.tablet, self.engine = new_device(), new_device(), engine
        self.mine = self.phone.create_circle()
        self.mine.add_member(self.tablet.keys.identity(), "admin", history=True)
        self.note = self.mine.write(NOTE)
        self.mine.push()
        self.theirs = self.tablet.join_circle(self.mine.circle_id, self.mine.genesis_hash)
        self.theirs.pull()

    def hide_circle_from_tablet(self) -> None:
        """What the server alone can do: answer the tablet as if its circle did not exist."""
        with Session(self.engine) as session:
            row = session.get(CircleMember, (b64u(self.mine.circle_id), self.tablet.device_id))
            assert row is not None
            row.active = False
            session.add(row)
            session.commit()

    def plant(self, notice: dict[str, object]) -> None:
        with Session(self.engine) as session:
            key = (self.tablet.device_id, b64u(self.mine.circle_id))
            row = session.get(UnlinkedNotice, key) or UnlinkedNotice(device_id=key[0], circle_id=key[1], notice={})
            row.notice = notice
            session.add(row)
            session.commit()

    def tablet_erases(self) -> bool:
        with pytest.raises(ApiError) as gone:
            self.theirs.refresh()
        assert gone.value.status == 404
        return self.tablet.unlinked_from(self.theirs)

    def tablet_kept_everything(self) -> bool:
        return not self.tablet.wiped and self.theirs.body(self.note) == NOTE


@pytest.fixture
def pair(app: FastAPI, new_device: Callable[[], Device]) -> Pair:
    return Pair(new_device, app.state.engine)


def _notice_at_next_seq(signer: DeviceKeys, pair: Pair, replica: CircleReplica) -> dict[str, object]:
    head = replica.verified.head
    return unlinked.make(
        signer, pair.mine.circle_id, pair.tablet.keys.device_id, membership.Head(head.seq + 1, head.hash)
    )


def test_a_circle_the_server_hides_erases_nothing(pair: Pair) -> None:
    pair.hide_circle_from_tablet()
    assert not pair.tablet_erases()
    assert pair.tablet_kept_everything()


def test_a_notice_the_server_signs_with_a_key_of_its_own_erases_nothing(pair: Pair) -> None:
    pair.hide_circle_from_tablet()
    pair.plant(_notice_at_next_seq(DeviceKeys.generate(), pair, pair.theirs))
    assert not pair.tablet_erases()
    assert pair.tablet_kept_everything()


def test_a_notice_for_another_device_erases_nothing(pair: Pair, new_device: Callable[[], Device]) -> None:
    # A real notice the phone signed, for a third device it removed, served to the tablet.
    third = new_device()
    pair.mine.add_member(third.keys.identity(), "admin")
    pair.theirs.refresh()
    pair.mine.remove_member(third.keys.device_id)
    [for_third] = third.call("GET", "/v1/unlinked")["data"]
    pair.hide_circle_from_tablet()
    pair.plant(for_third)
    assert not pair.tablet_erases()
    assert pair.tablet_kept_everything()


def test_an_old_notice_replayed_after_the_device_came_back_erases_nothing(pair: Pair) -> None:
    # The phone removed the tablet once, then let it back in; the tablet verified the log since.
    pair.mine.remove_member(pair.tablet.keys.device_id)
    [old] = pair.tablet.call("GET", "/v1/unlinked")["data"]
    # Its old epochs' keys it holds already: only the new one is sealed to it.
    pair.mine.add_member(pair.tablet.keys.identity(), "admin")
    pair.theirs.refresh()
    assert pair.theirs.verified.head.seq > unlinked.read(old, pair.mine.verified.sign_pub).removal.seq
    pair.hide_circle_from_tablet()
    pair.plant(old)
    assert not pair.tablet_erases()
    assert pair.tablet_kept_everything()


def test_the_notice_the_persons_own_device_signed_erases_the_device(pair: Pair) -> None:
    pair.mine.remove_member(pair.tablet.keys.device_id)
    assert pair.tablet_erases()
    assert pair.tablet.wiped and pair.theirs.records == {}
