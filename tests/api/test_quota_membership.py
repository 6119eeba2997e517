"""Membership costs storage too: a circle's log entries and key envelopes count in the quota of the
device that stores them, a replaced envelope is not counted twice, and a circle's log grows by a
bounded number of entries an hour — so no member, not even an admin, grows the server without end."""

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, update

from support_circle.app import create_app
from support_circle.models import Device, MembershipEntry
from support_circle.protocol import circle_keys, membership
from support_circle.protocol.encoding import unb64u
from support_circle.settings import Settings
from tests.api.helpers import Member, SharedCircle, signed_in
from tests.api.test_invites import make_invite
from tests.api.test_membership_head import _reads_of

KEY_ENVELOPE = 80  # HPKE X25519 enc (32) + AES-GCM of a 32-byte key (48)


def entry_size(entry: dict[str, Any]) -> int:
    """What an entry counts: its signed payload and its 64-byte signature."""
    return len(unb64u(entry["payload"])) + 64


@contextmanager
def _server(settings: Settings, **changes: object) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update=changes)), raise_server_exceptions=False) as client:
        yield client


def _stored(client: TestClient, member: Member) -> int:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        device = session.get(Device, member.device_id)
        assert device is not None
        return device.bytes_stored


def _code(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def _planned(admin: Member) -> tuple[SharedCircle, dict[str, Any]]:
    """A circle not yet made, and the body that makes it."""
    circle = SharedCircle(admin)
    circle.keys[0] = circle_keys.new_epoch_key()
    genesis = membership.genesis(admin.keys, circle.circle_id, circle.keys[0])
    envelope = circle_keys.seal_key_envelope(circle.circle_id, 0, admin.keys.public, circle.keys[0])
    return circle, {"circle_id": circle.cid, "genesis": genesis, "key_envelope": envelope}


def test_a_circles_genesis_and_first_key_count_in_its_creators_quota(settings: Settings) -> None:
    with _server(settings) as client:
        probe = signed_in(client)
        _, body = _planned(probe)
        cost = entry_size(body["genesis"]) + KEY_ENVELOPE
    with _server(settings, device_quota_bytes=cost + cost // 2) as client:
        admin = signed_in(client)
        first, body = _planned(admin)
        assert admin.post("/v1/circles", body).status_code == 201
        assert _stored(client, admin) == entry_size(body["genesis"]) + KEY_ENVELOPE
        assert admin.post("/v1/circles", body).status_code == 201, "a retry is not charged again"
        _, second = _planned(admin)
        assert _code(admin.post("/v1/circles", second)) == (413, "quota_exceeded")
        assert [c["circle_id"] for c in admin.get("/v1/circles").json()["data"]] == [first.cid]
        assert _stored(client, admin) == entry_size(body["genesis"]) + KEY_ENVELOPE


def test_entries_and_new_key_envelopes_count_in_the_quota_of_the_device_that_appends(settings: Settings) -> None:
    with _server(settings) as client:
        admin, ally, other, joiner = (signed_in(client) for _ in range(4))
        circle = SharedCircle(admin)
        assert circle.create().status_code == 201
        expected = _stored(client, admin)
        assert circle.add(ally).status_code == 200
        expected += entry_size(circle.log[-1]) + KEY_ENVELOPE
        assert circle.add(other).status_code == 200
        expected += entry_size(circle.log[-1]) + KEY_ENVELOPE
        assert circle.remove(other).status_code == 200  # the new epoch's key, sealed to the two who stay
        expected += entry_size(circle.log[-1]) + 2 * KEY_ENVELOPE
        link, made = make_invite(circle)
        assert made.status_code == 201
        expected += len(unb64u(admin.get(f"/v1/invites/{link.invite_id}").json()["record"]["ct"]))
        assert _stored(client, admin) == expected
        request_id = link.ask(joiner).json()["request_id"]
        assert link.approve(request_id, joiner).status_code == 200
        expected += entry_size(circle.log[-1]) + KEY_ENVELOPE
        assert _stored(client, admin) == expected
        assert _stored(client, ally) == 0 and _stored(client, joiner) == 0


def test_replacing_a_key_envelope_is_not_counted_again(settings: Settings) -> None:
    """A device may replace its own envelope as often as it likes: the same 80 bytes, counted once."""
    with _server(settings) as client:
        probe = signed_in(client)
        circle = SharedCircle(probe)
        assert circle.create().status_code == 201
        used = _stored(client, probe)
    with _server(settings, device_quota_bytes=used) as client:
        admin, ally = signed_in(client), signed_in(client)
        circle = SharedCircle(admin)
        assert circle.create().status_code == 201
        path = f"/v1/circles/{circle.cid}/keys"
        own = circle_keys.seal_key_envelope(circle.circle_id, 0, admin.keys.public, circle.keys[0])
        for _ in range(3):
            assert admin.post(path, {"key_envelopes": [own]}).status_code == 204
        assert _stored(client, admin) == used
        # A new envelope is not free: this admin's quota is full, so adding a member is refused.
        assert _code(circle.add(ally)) == (413, "quota_exceeded")


def test_a_request_over_quota_stores_nothing(settings: Settings) -> None:
    with _server(settings) as client:
        probe = signed_in(client)
        assert SharedCircle(probe).create().status_code == 201
        used = _stored(client, probe)
    with _server(settings, device_quota_bytes=used + 10) as client:
        admin, ally = signed_in(client), signed_in(client)
        circle = SharedCircle(admin)
        assert circle.create().status_code == 201
        before = admin.get(f"/v1/circles/{circle.cid}").json()
        assert _code(circle.add(ally)) == (413, "quota_exceeded")
        assert admin.get(f"/v1/circles/{circle.cid}").json() == before
        assert admin.get(f"/v1/circles/{circle.cid}/log").json()["data"] == circle.log
        assert [k["epoch"] for k in admin.get(f"/v1/circles/{circle.cid}/keys").json()["data"]] == [0]
        assert ally.get(f"/v1/circles/{circle.cid}").status_code == 404
        assert _stored(client, admin) == used


@pytest.mark.timeout(120)
def test_appends_to_many_circles_at_once_are_each_counted(settings: Settings) -> None:
    """The device's count is one row that every circle charges: concurrent appends lose no bytes."""
    with _server(settings) as client:
        admin = signed_in(client)
        circles = [SharedCircle(admin) for _ in range(6)]
        for circle in circles:
            assert circle.create().status_code == 201
        allies = [signed_in(client) for _ in circles]
        before = _stored(client, admin)
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda pair: pair[0].add(pair[1]), zip(circles, allies, strict=True)))
        assert [a.status_code for a in answers] == [200] * len(circles)
        added = sum(entry_size(circle.log[-1]) + KEY_ENVELOPE for circle in circles)
        assert _stored(client, admin) == before + added


def _age_log(client: TestClient, circle: SharedCircle, by: timedelta) -> None:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        when = datetime.now(UTC) - by
        session.exec(
            update(MembershipEntry).where(col(MembershipEntry.circle_id) == circle.cid).values(created_at=when)
        )
        session.commit()


def test_a_circles_log_takes_a_bounded_number_of_entries_an_hour(settings: Settings) -> None:
    with _server(settings, max_log_entries_per_hour=3) as client:
        admin = signed_in(client)
        circle, other = SharedCircle(admin), SharedCircle(admin)
        assert circle.create().status_code == 201 and other.create().status_code == 201
        members = [signed_in(client) for _ in range(3)]
        assert [circle.add(m).status_code for m in members[:2]] == [200, 200]  # with the genesis, 3 this hour
        refused = circle.add(members[2])
        assert _code(refused) == (429, "rate_limited")
        assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
        assert admin.get(f"/v1/circles/{circle.cid}").json()["log_seq"] == 2
        link, _ = make_invite(circle)
        joiner = signed_in(client)
        request_id = link.ask(joiner).json()["request_id"]
        assert _code(link.approve(request_id, joiner)) == (429, "rate_limited"), "approving appends an entry too"
        assert joiner.get(f"/v1/requests/{request_id}").json()["status"] == "pending"
        assert other.add(members[2]).status_code == 200, "another circle has its own count"
        # A non-member still learns nothing: the bound answers only those who may see the circle.
        assert _code(members[2].post(f"/v1/circles/{circle.cid}/log", {"entry": circle.log[-1]})) == (404, "not_found")
        _age_log(client, circle, timedelta(minutes=61))
        assert circle.add(members[2]).status_code == 200


def test_the_bound_reads_one_entry_by_its_key_however_long_the_log(settings: Settings) -> None:
    """Checking the bound costs the same at any length: the one entry that many places back."""
    with _server(settings, max_log_entries_per_hour=3) as client:
        admin = signed_in(client)
        circle = SharedCircle(admin)
        assert circle.create().status_code == 201
        reads = []
        for length in range(1, 41):
            _age_log(client, circle, timedelta(minutes=61))
            if length in (5, 40):
                reads.append(_reads_of(client, circle.rotate))
            else:
                assert circle.rotate().status_code == 200
        assert len(circle.log) == 41
        assert reads[0] == reads[1] == Counter({"membership_entry selects": 1, "membership_entry rows": 1})
