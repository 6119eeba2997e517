"""Several admins and handing a circle over, in the app (PROTOCOL.md §8 ``role``, §16): a
facilitator starts a circle, the survivor joins it as a member and shares their own answer into
it, the only admin cannot leave until they name another, and the admin they name lets the next
person in after the first one left, and answers requests on the first admin's links while the
first is still an admin (never after they left)."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app_flows import SLOW, answer, first_run, open_app, synced
from tests.browser.circle_flows import (
    ask_to_join,
    join_circle,
    make_invite,
    open_circle,
    reference_member,
    start_circle,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

CIRCLE = "Around Mere"
ANSWER = ("When I need a break", "Rewa speaks for me")


def _person(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("member").filter(has_text=name)


def _survivor_shares_into_a_facilitators_circle(browser: Browser, app_server: ServerProcess):  # type: ignore[no-untyped-def]
    """Wiremu starts the circle; Mere, the survivor, joins it as a member and shares their own
    answer into it. Both apps' contexts, pages and problem lists."""
    facilitator_context, facilitator, facilitator_problems = open_app(browser, app_server.url)
    first_run(facilitator)
    start_circle(facilitator, CIRCLE, "Wiremu")
    survivor_context, survivor, survivor_problems = open_app(browser, app_server.url)
    first_run(survivor)
    answer(survivor, *ANSWER, shareable=True)
    join_circle(facilitator, survivor, CIRCLE, "Mere")
    survivor.get_by_role("region", name="What this circle sees").get_by_label(ANSWER[0]).check()
    expect(survivor.get_by_test_id("sharing-status")).to_have_text("Shared with this circle.")
    synced(survivor)
    return facilitator_context, facilitator, facilitator_problems, survivor_context, survivor, survivor_problems


def test_the_only_admin_names_another_before_leaving_and_the_new_admin_lets_people_in(
    browser: Browser, app_server: ServerProcess
) -> None:
    facilitator_context, facilitator, facilitator_problems, survivor_context, survivor, survivor_problems = (
        _survivor_shares_into_a_facilitators_circle(browser, app_server)
    )
    synced(facilitator)
    shared = facilitator.get_by_test_id("shared-plan")
    expect(shared.locator(".answer-text")).to_have_text(ANSWER[1], timeout=SLOW)
    expect(shared.get_by_test_id("shared-by")).to_have_text("Shared by Mere")

    # An admin names another admin, with a confirmation, and may make them a member again.
    mere = _person(facilitator, "Mere")
    mere.get_by_role("button", name="Make admin: Mere").click()
    mere.get_by_role("button", name="Yes, make them an admin").click()
    expect(facilitator.get_by_text("They are now an admin of this circle.")).to_be_visible(timeout=SLOW)
    expect(mere).to_contain_text("Admin")
    mere.get_by_role("button", name="Make a member: Mere").click()
    mere.get_by_role("button", name="Yes, make them a member").click()
    expect(facilitator.get_by_text("They are now a member, no longer an admin.")).to_be_visible(timeout=SLOW)
    expect(mere).not_to_contain_text("Admin")

    # The only admin cannot leave: nothing is sent, the app says why and offers to choose one.
    facilitator.get_by_role("button", name="Leave this circle").click()
    refusal = facilitator.get_by_test_id("last-admin")
    expect(refusal).to_contain_text("You are the only admin of this circle.")
    refusal.get_by_role("button", name="Make Mere an admin").click()
    facilitator.get_by_role("button", name="Yes, leave").click()
    expect(facilitator.get_by_test_id("circle-standing")).to_contain_text("You left this circle.", timeout=SLOW)

    # Mere, now the circle's admin, invites and approves the next person.
    synced(survivor)
    open_circle(survivor, CIRCLE)
    expect(survivor.get_by_test_id("member")).to_have_count(1)
    expect(_person(survivor, "Mere")).to_contain_text("Admin")
    tui = reference_member(survivor, app_server.url, "Tui")
    assert tui.verified.members[tui.device.keys.device_id].role == "member"
    synced(survivor)
    expect(_person(survivor, "Tui")).to_be_visible(timeout=SLOW)
    assert facilitator_problems == [] and survivor_problems == []
    facilitator_context.close()
    survivor_context.close()


def test_a_second_admin_approves_a_join_on_the_first_admins_link_and_none_after_the_first_leaves(
    browser: Browser, app_server: ServerProcess
) -> None:
    """Issue 17: admin A invites and names B admin; the joiner asks; B, who never held the link,
    approves, told whose invite it was and given the number to compare; the joiner reads. Then A
    makes another link and leaves: that link dies with A's membership, and B sees nobody asking."""
    facilitator_context, facilitator, facilitator_problems, survivor_context, survivor, survivor_problems = (
        _survivor_shares_into_a_facilitators_circle(browser, app_server)
    )

    link = make_invite(facilitator, "Tui")
    mere = _person(facilitator, "Mere")
    mere.get_by_role("button", name="Make admin: Mere").click()
    mere.get_by_role("button", name="Yes, make them an admin").click()
    expect(facilitator.get_by_text("They are now an admin of this circle.")).to_be_visible(timeout=SLOW)
    synced(facilitator)

    joiner_context, joiner, joiner_problems = open_app(browser, app_server.url)
    first_run(joiner)
    number = ask_to_join(joiner, "Tui", link)

    synced(survivor)
    open_circle(survivor, CIRCLE)
    survivor.get_by_role("button", name="Check for requests").click()
    request = survivor.get_by_test_id("join-request")
    expect(request).to_have_count(1, timeout=SLOW)
    expect(request).to_contain_text("Someone with an invite Wiremu made, as an admin of this circle.")
    expect(request).to_contain_text(number)
    request.get_by_role("button", name="Approve").click()
    expect(request).to_have_count(0, timeout=SLOW)
    expect(survivor.get_by_text("Approved. They are now a member.")).to_be_visible()
    synced(survivor)
    synced(facilitator)

    synced(joiner)
    open_circle(joiner, CIRCLE)
    expect(_person(joiner, "Mere")).to_contain_text("Admin", timeout=SLOW)
    shared = joiner.get_by_test_id("shared-plan")
    expect(shared.locator(".answer-text")).to_have_text(ANSWER[1], timeout=SLOW)
    expect(shared.get_by_test_id("shared-by")).to_have_text("Shared by Mere")

    # A's next link dies when A leaves: whoever asks on it is listed to no admin.
    later = make_invite(facilitator, "Ana")
    facilitator.get_by_role("button", name="Leave this circle").click()
    facilitator.get_by_role("button", name="Yes, leave").click()
    expect(facilitator.get_by_test_id("circle-standing")).to_contain_text("You left this circle.", timeout=SLOW)
    ana_context, ana, ana_problems = open_app(browser, app_server.url)
    first_run(ana)
    ask_to_join(ana, "Ana", later)
    synced(survivor)
    survivor.get_by_role("button", name="Check for requests").click()
    expect(survivor.get_by_text("Nobody is asking to join right now.")).to_be_visible(timeout=SLOW)
    expect(survivor.get_by_test_id("join-request")).to_have_count(0)
    assert facilitator_problems == [] and survivor_problems == [] and joiner_problems == [] and ana_problems == []
    for context in (facilitator_context, survivor_context, joiner_context, ana_context):
        context.close()
