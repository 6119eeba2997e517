"""The toolkit's well-being role in a circle, and its gentle flag (issue 17): an admin asks a
member to look after well-being and every member sees it; a member whose newest check-in says
they are struggling is flagged by their own name only, and the flag goes once they say they are
okay."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app_flows import SLOW, first_run, open_app, settled, synced
from tests.browser.circle_flows import join_circle, open_circle, start_circle
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

CIRCLE = "Thursday group"
FLAG = "Checked in as struggling. A kind word or a call may help."


def _person(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("member").filter(has_text=name)


def _check_in(page: Page, feeling: str) -> None:
    page.get_by_label(feeling).check()
    page.get_by_role("button", name="Post the check-in").click()
    synced(page)


def test_a_wellbeing_role_and_a_gentle_flag_only_by_whoever_checked_in_as_struggling(
    browser: Browser, app_server: ServerProcess
) -> None:
    survivor_context, survivor, survivor_problems = open_app(browser, app_server.url)
    first_run(survivor)
    start_circle(survivor, CIRCLE, "Mere")
    ally_context, ally, ally_problems = open_app(browser, app_server.url)
    first_run(ally)
    join_circle(survivor, ally, CIRCLE, "Aroha")
    settled(survivor)
    open_circle(survivor, CIRCLE)

    # The role: asked for by the admin, seen by the member it names and by everyone else.
    expect(survivor.get_by_role("region", name="People in this circle")).to_contain_text("looks after well-being")
    aroha = _person(survivor, "Aroha")
    expect(aroha).not_to_contain_text("Looks after well-being")
    aroha.get_by_role("button", name="Ask to look after well-being: Aroha").click()
    expect(aroha).to_contain_text("Looks after well-being", timeout=SLOW)
    expect(_person(survivor, "Mere")).not_to_contain_text("Looks after well-being")
    synced(survivor)
    synced(ally)
    open_circle(ally, CIRCLE)
    expect(_person(ally, "Aroha")).to_contain_text("Looks after well-being", timeout=SLOW)

    # The flag: by Aroha's name once she checks in as struggling, by nobody else's, on both screens.
    expect(survivor.get_by_test_id("struggle-flag")).to_have_count(0)
    _check_in(ally, "I am struggling")
    synced(survivor)
    expect(_person(survivor, "Aroha").get_by_test_id("struggle-flag")).to_have_text(FLAG, timeout=SLOW)
    expect(survivor.get_by_test_id("struggle-flag")).to_have_count(1)
    expect(_person(ally, "Aroha").get_by_test_id("struggle-flag")).to_have_text(FLAG)
    expect(_person(ally, "Mere").get_by_test_id("struggle-flag")).to_have_count(0)

    # Only the newest check-in counts: once she is okay, the flag is gone.
    _check_in(ally, "I am okay")
    synced(survivor)
    expect(survivor.get_by_test_id("struggle-flag")).to_have_count(0, timeout=SLOW)
    assert survivor_problems == [] and ally_problems == []
    survivor_context.close()
    ally_context.close()
