"""The allies map and the toolkit's cautions where they matter (issue 17), on a phone-sized screen:
the map groups people by where they stand, one person in both roles is flagged, inviting someone
marked careful asks the person to think first, and sharing into a circle for the person doing harm
says that its people may not be the ones to support the survivor closely."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app_flows import first_run, go_to, settled, watch_problems
from tests.browser.circle_flows import open_circle, start_circle
from tests.conftest import REPO
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
HARM_PURPOSE = "Supporting the person doing harm to take responsibility"
# As test_accessibility.py runs it: WCAG 2.x A and AA, and axe's best practices.
AXE = REPO / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="module")
def phone(browser: Browser, app_server: ServerProcess) -> Iterator[Page]:
    """A survivor's phone, set up once (Argon2id costs seconds), with three people on the map and
    two circles: one supporting them, one around the person doing harm."""
    context = browser.new_context(service_workers="block", **PHONE)  # type: ignore[arg-type]
    context.add_init_script(path=AXE)
    page = context.new_page()
    problems = watch_problems(page)
    page.goto(app_server.url)
    first_run(page)
    settled(page)
    _add(page, "Ana", "With me", "Supports me", "Works with the person who harmed me")
    _add(page, "Ben", "Maybe, with some help")
    _add(page, "Kim", "Careful")
    start_circle(page, "Thursday group", "Mere")
    start_circle(page, "Working with him", "Mere", purpose=HARM_PURPOSE)
    yield page
    assert not problems, problems
    context.close()


def _add(page: Page, name: str, standing: str, *roles: str) -> None:
    go_to(page, "My allies")
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Name or nickname").fill(name)
    for role in roles:
        page.get_by_label(role, exact=True).check()
    page.get_by_label(standing, exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=3, name=name)).to_be_visible()


def _violations(page: Page) -> list[str]:
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}" for v in result["violations"]]


def _group(page: Page, standing: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("region", name=standing, exact=True)


def test_the_map_groups_people_by_where_they_stand(phone: Page) -> None:
    go_to(phone, "My allies")
    groups = phone.locator("[data-testid^='standing-'] > h2")
    expect(groups).to_have_text(["With me", "Maybe, with some help", "Careful"])
    for standing, name in (("With me", "Ana"), ("Maybe, with some help", "Ben"), ("Careful", "Kim")):
        expect(_group(phone, standing).get_by_role("heading", level=3)).to_have_text([name])
    finding = phone.get_by_role("region", name="Who else could stand with you?")
    expect(finding).to_contain_text("Who has listened to you before without judging you?")
    assert _violations(phone) == []


def test_one_person_in_both_roles_is_flagged(phone: Page) -> None:
    go_to(phone, "My allies")
    expect(_group(phone, "With me").get_by_test_id("both-roles")).to_contain_text(
        "may not be the best person to support you closely"
    )
    expect(phone.get_by_test_id("both-roles")).to_have_count(1)


def test_the_role_hints_carry_the_toolkits_cautions_on_the_two_roles_they_name(phone: Page) -> None:
    """Each role's hint is its checkbox's description: the caution about excusing, humiliating or
    punishing is on working with the person who harmed, the one about healing, feeling alone or
    blamed on supporting the others, and neither is on any other role."""
    go_to(phone, "My allies")
    phone.get_by_role("button", name="Add a person").click()
    cautions = {
        "Works with the person who harmed me": "without excusing it, and not to humiliate or punish them",
        "Supports the others": "does not always lead to healing, and people in it can end up feeling alone or blamed",
    }
    for role in ("Supports me", "Works with the person who harmed me", "Facilitator", "Supports the others"):
        box = phone.get_by_label(role, exact=True)
        expect(box).to_have_attribute("type", "checkbox")
        description = box.evaluate(
            "el => (el.getAttribute('aria-describedby') || '').split(' ')"
            ".map(id => document.getElementById(id)?.textContent || '').join(' ')"
        )
        for caution_role, caution in cautions.items():
            assert (caution in description) == (role == caution_role), (role, description)
    phone.get_by_role("button", name="Cancel").click()


def test_inviting_someone_marked_careful_asks_first(phone: Page) -> None:
    go_to(phone, "My allies")
    _group(phone, "Careful").get_by_role("button", name="Invite to a circle: Kim").click()
    panel = phone.get_by_role("group", name="Invite to a circle: Kim")
    panel.get_by_label("Which circle?").select_option(label="Thursday group")
    expect(panel.get_by_test_id("invite-caution")).to_contain_text("someone to be careful with")
    make = panel.get_by_role("button", name="Make an invite link")
    expect(make).to_be_disabled()
    assert _violations(phone) == []
    panel.get_by_label("I have thought about this and still want to invite them").check()
    make.click()
    link = panel.get_by_test_id("ally-invite-link")
    expect(link).to_have_text(re.compile(r"http://127\.0\.0\.1:\d+/#join=[A-Za-z0-9_-]{43}"))
    panel.get_by_role("button", name="Close").click()

    # Someone on the map as "maybe" is invited with no caution at all.
    _group(phone, "Maybe, with some help").get_by_role("button", name="Invite to a circle: Ben").click()
    panel = phone.get_by_role("group", name="Invite to a circle: Ben")
    panel.get_by_label("Which circle?").select_option(label="Thursday group")
    expect(panel.get_by_role("button", name="Make an invite link")).to_be_enabled()
    expect(panel.get_by_test_id("invite-caution")).to_have_count(0)
    panel.get_by_role("button", name="Close").click()

    # Someone who works with the person doing harm, into a circle that supports the survivor.
    _group(phone, "With me").get_by_role("button", name="Invite to a circle: Ana").click()
    panel = phone.get_by_role("group", name="Invite to a circle: Ana")
    panel.get_by_label("Which circle?").select_option(label="Thursday group")
    expect(panel.get_by_test_id("invite-caution")).to_contain_text("works with the person who harmed you")
    panel.get_by_label("Which circle?").select_option(label="Working with him")
    expect(panel.get_by_test_id("invite-caution")).to_have_count(0)


def test_sharing_into_a_circle_for_the_person_doing_harm_is_cautioned(phone: Page) -> None:
    open_circle(phone, "Working with him")
    sharing = phone.get_by_role("region", name="What this circle sees")
    expect(sharing.get_by_test_id("harm-circle-caution")).to_contain_text(
        "may not be the best people to support you closely"
    )
    assert _violations(phone) == []
    open_circle(phone, "Thursday group")
    expect(phone.get_by_role("region", name="What this circle sees")).to_be_visible()
    expect(phone.get_by_test_id("harm-circle-caution")).to_have_count(0)
