"""The counters that come with each page of changes (PROTOCOL.md §7, "Pulling"), as the reference
client reads them: checked for form, never behind the page, asked for alone from a server older
than them, and never a reason to move the cursor further than the changes applied.

The server is the real one; only its answers to a pull are rewritten on their way to the client
(``RewrittenPages``), to play a server that answers otherwise."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from support_circle.client import CircleReplica, Device
from support_circle.client.http import ApiError
from tests.support.circles import join_by_invite
from tests.support.rewritten import Rewrite, RewrittenPages

# Alice's replica, Bea's, and what Bea's answers pass through.
Pair = tuple[CircleReplica, CircleReplica, RewrittenPages]


@pytest.fixture
def pair(client: TestClient) -> Pair:
    """Alice's circle with one record in it, and Bea, a member who has pulled nothing yet, whose
    answers pass through a ``RewrittenPages``."""
    alice = Device.new("http://testserver", http=client)
    seen = RewrittenPages(client)
    bea = Device.new("http://testserver", http=seen)
    for device in (alice, bea):
        device.register()
        device.sign_in()
    mine = alice.create_circle()
    hers = join_by_invite(mine, bea)
    mine.write({"kind": "note", "text": "the first"})
    mine.write({"kind": "note", "text": "the second"})
    mine.push()
    return mine, hers, seen


def test_a_pull_is_one_request_a_page(pair: Pair) -> None:
    _, hers, seen = pair
    hers.pull()
    seen.asked.clear()
    assert hers.pull() == 0
    assert seen.asked == [f"GET {hers.path}/changes"]


def test_a_server_older_than_counters_in_the_page_is_asked_for_them_alone(
    pair: Pair,
) -> None:
    _, hers, seen = pair
    seen.rewrite = lambda page: {key: value for key, value in page.items() if key != "circle"}
    assert hers.pull() == 2
    assert f"GET {hers.path}" in seen.asked


def _counters(circle: Any) -> Rewrite:
    return lambda page: {**page, "circle": circle}


@pytest.mark.parametrize(
    "rewrite",
    [
        _counters(None),
        _counters("3"),
        _counters({"change_seq": "3", "log_seq": 1, "head_hash": "x"}),
        _counters({"change_seq": 3, "log_seq": -1, "head_hash": "x"}),
        lambda page: {**page, "circle": {**page["circle"], "change_seq": 1}},
    ],
    ids=["null", "a string", "a count that is no number", "a negative head", "behind the page"],
)
def test_counters_not_in_their_form_or_behind_the_page_are_refused_and_nothing_is_applied(
    pair: Pair, rewrite: Rewrite
) -> None:
    _, hers, seen = pair
    seen.rewrite = rewrite
    with pytest.raises(ApiError) as refused:
        hers.pull()
    assert refused.value.code == "bad_response"
    assert (hers.cursor, len(hers.records)) == (0, 0)


def test_the_cursor_moves_with_the_changes_applied_not_with_the_pages_word(
    pair: Pair,
) -> None:
    _, hers, seen = pair
    seen.rewrite = lambda page: {**page, "cursor": 1000}
    assert hers.pull() == 2
    assert hers.cursor == 2
