"""Fifty devices, one hostile, against a real server process on SQLite and on PostgreSQL: while the
hostile member pushes garbage, offers oversized key envelopes, floods live streams and grows a
membership log, the forty-nine others push and pull with no error, nothing they wrote is lost,
and the server answers nothing with a 5xx (or no answer). How much slower the honest pushes were
is printed by ``python -m bench.hostile_load`` and never asserted here."""

import pytest

from tests.robustness.hostile_load import scene
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

ROUNDS = 2


def test_one_hostile_member_stops_none_of_the_other_forty_nine(server: ServerProcess) -> None:
    with scene(server.url) as made:
        made.phase(ROUNDS, with_hostile=False)
        attacked = made.phase(ROUNDS, with_hostile=True)
        made.check_nothing_lost()

    statuses = attacked.hostile_statuses
    assert statuses[200] > 0, f"the hostile device got nothing done at all: {dict(statuses)}"
    failed = {status: n for status, n in statuses.items() if status >= 500 or status == 0}
    assert not failed, f"the server failed the hostile device's requests: {dict(statuses)}"
    # Refused, each with its own 4xx: oversized envelopes (422/403), streams past the cap or requests
    # past the rate limit (429).
    assert any(400 <= status < 500 for status in statuses), dict(statuses)
