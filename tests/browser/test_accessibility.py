"""axe-core finds no accessibility violation on the app's screens, on a computer and at 320 px.

axe-core comes from the frontend's dev dependencies (``frontend/node_modules/axe-core``). It is
added to each page as an init script (``context.add_init_script``), which Chromium runs through
DevTools before the page's own scripts: the app's Content-Security-Policy, which allows no
inline script, stays exactly as it is in production and still applies to the app itself.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.app_flows import PASSPHRASE, SLOW, answer, first_run, lock, synced
from tests.browser.circle_flows import (
    approve,
    ask_to_join,
    edit_note,
    make_invite,
    open_circle,
    start_circle,
    write_note,
)
from tests.conftest import REPO
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

AXE = REPO / "frontend" / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices (landmarks, one h1, …).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

COMPUTER = {"viewport": {"width": 1280, "height": 800}}
# 320 CSS px is what a 1280 px wide window shows at 400 % zoom, and the narrowest phones.
NARROW = {"viewport": {"width": 320, "height": 640}, "has_touch": True, "is_mobile": True}


@pytest.fixture
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: cd frontend && npm ci")
    return AXE


def _context(browser: Browser, axe: Path, options: dict[str, object]) -> BrowserContext:
    context = browser.new_context(service_workers="block", **options)  # type: ignore[arg-type]
    context.add_init_script(path=axe)
    return context


def _violations(page: Page) -> list[str]:
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in result["violations"]
    ]


@pytest.fixture(params=[COMPUTER, NARROW], ids=["computer", "320px"])
def page(
    request: pytest.FixtureRequest, browser: Browser, app_server: ServerProcess, axe_source: Path
) -> Iterator[Page]:
    context = _context(browser, axe_source, request.param)
    page = context.new_page()
    page.goto(app_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("A private place for your support plan")
    expect(page.get_by_test_id("server-status")).to_have_attribute("data-state", "reachable")
    yield page
    context.close()


def test_the_welcome_screen_with_the_history_notice(page: Page) -> None:
    expect(page.get_by_test_id("history-notice")).to_be_visible()
    assert _violations(page) == []


def test_the_welcome_screen_with_the_skip_link_shown(page: Page) -> None:
    page.get_by_role("button", name="I understand").click()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("skip-leave")).to_be_focused()
    assert _violations(page) == []


def test_the_shift_cue(page: Page) -> None:
    page.keyboard.press("Shift")
    expect(page.get_by_test_id("shift-progress")).to_have_text("Press Shift 2 more times to leave.")
    assert _violations(page) == []


def test_every_screen_of_the_app(page: Page) -> None:
    """First run, the recovery key, the plan, the allies and a person's form, settings, unlock, recovery."""
    found: dict[str, list[str]] = {}
    page.get_by_role("button", name="I used the app on another device").click()
    page.get_by_label("Recovery key", exact=True).fill("ABCD EFGH")
    page.get_by_label("New passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Type it again").fill(PASSPHRASE)
    page.get_by_role("button", name="Bring my plan here").click()
    expect(page.get_by_role("alert")).to_contain_text("typing mistake")
    found["recovery from the server, with a typing mistake"] = _violations(page)
    page.get_by_role("button", name="Back to setting up a new plan").click()
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Type it again").fill(PASSPHRASE[:-1])
    expect(page.get_by_text("The two passphrases are not the same yet.")).to_be_visible()
    found["first run, passphrases differ"] = _violations(page)
    page.get_by_label("Type it again").fill(PASSPHRASE)
    page.get_by_label("Keep a copy in sync with the server this app came from").uncheck()
    page.get_by_role("button", name="Set up my private space").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery key", timeout=SLOW)
    found["recovery key"] = _violations(page)
    page.get_by_label("I have kept my recovery key somewhere safe").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My support plan")
    found["plan"] = _violations(page)
    page.get_by_role("navigation").get_by_role("button", name="My allies").click()
    found["allies, empty"] = _violations(page)
    page.get_by_role("button", name="Add a person").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Please give a name or a nickname")).to_be_visible()
    found["ally form with an error"] = _violations(page)
    page.get_by_label("Name or nickname").fill("Ana")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=3, name="Ana")).to_be_visible()
    found["allies"] = _violations(page)
    page.get_by_role("navigation").get_by_role("button", name="Settings").click()
    found["settings"] = _violations(page)
    lock(page)
    found["unlock"] = _violations(page)
    page.get_by_role("button", name="I forgot my passphrase").click()
    found["recovery"] = _violations(page)
    assert {screen: v for screen, v in found.items() if v} == {}


def test_settings_with_sync_and_linked_devices(page: Page) -> None:
    first_run(page)
    page.get_by_role("navigation").get_by_role("button", name="Settings").click()
    expect(page.get_by_test_id("linked-device")).to_have_count(1, timeout=SLOW)
    page.get_by_role("button", name="Make a link for my other device").click()
    expect(page.get_by_test_id("device-link-qr")).to_be_visible(timeout=SLOW)
    assert _violations(page) == []
    form = page.get_by_role("form", name="A new recovery key")
    form.get_by_label("Current passphrase").fill(PASSPHRASE)
    form.get_by_role("button", name="Make a new recovery key").click()
    expect(page.get_by_test_id("new-recovery-key")).to_be_visible(timeout=SLOW)
    assert _violations(page) == []


def test_nothing_needs_scrolling_sideways_at_320_px(
    browser: Browser, app_server: ServerProcess, axe_source: Path
) -> None:
    context = _context(browser, axe_source, NARROW)
    page = context.new_page()
    page.goto(app_server.url)
    first_run(page, sync=False)
    for tab in ("My plan", "My allies", "Settings"):
        page.get_by_role("navigation").get_by_role("button", name=tab).click()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"WCAG 1.4.10 Reflow: {tab}"
    for name in ("Leave now", "Lock now", "I understand", "Settings"):
        box = page.get_by_role("button", name=name, exact=True).bounding_box()
        assert box is not None and box["width"] >= 44 and box["height"] >= 44, f"{name} is a large target"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, f"{name} fits on the screen"
    context.close()


def test_the_neutral_page(browser: Browser, app_server: ServerProcess, axe_source: Path) -> None:
    context = _context(browser, axe_source, NARROW)
    page = context.new_page()
    page.goto(app_server.url + "/recipes.html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Simple everyday recipes")
    assert _violations(page) == []
    context.close()


@pytest.mark.parametrize("options", [COMPUTER, NARROW], ids=["computer", "320px"])
def test_the_circle_screens(
    browser: Browser, app_server: ServerProcess, axe_source: Path, options: dict[str, object]
) -> None:
    """The circles list with its forms, a circle as its admin (invite, a request, sharing, a note
    with another version, a check-in), as a member, and as someone removed from it."""
    found: dict[str, list[str]] = {}
    survivor_context = _context(browser, axe_source, options)
    survivor = survivor_context.new_page()
    survivor.goto(app_server.url)
    first_run(survivor)
    answer(survivor, "When I need a break", "Rewa speaks for me", shareable=True)
    survivor.get_by_role("navigation").get_by_role("button", name="Circles").click()
    expect(survivor.get_by_role("heading", level=1)).to_have_text("Circles")
    found["circles, none yet"] = _violations(survivor)
    start_circle(survivor, "Thursday group", "Mere")
    found["a new circle, as its admin"] = _violations(survivor)
    survivor.get_by_role("region", name="What this circle sees").get_by_label("When I need a break").check()
    expect(survivor.get_by_test_id("shared-plan")).to_have_count(1)
    link = make_invite(survivor, "Aroha")
    expect(survivor.get_by_test_id("device-link-qr")).to_be_visible()

    ally_context = _context(browser, axe_source, options)
    ally = ally_context.new_page()
    ally.goto(link)
    first_run(ally, opens="Circles")
    found["circles, opened from an invite"] = _violations(ally)
    number = ask_to_join(ally, "Aroha")
    found["circles, waiting to be let in"] = _violations(ally)
    survivor.get_by_role("button", name="Check for requests").click()
    expect(survivor.get_by_test_id("join-request")).to_contain_text(number, timeout=SLOW)
    found["a circle, someone asking to join"] = _violations(survivor)
    approve(survivor, "Aroha", number)
    write_note(survivor, "Thursday", "We meet at the library.")
    synced(survivor)
    synced(ally)
    open_circle(ally, "Thursday group")
    expect(ally.get_by_test_id("note")).to_have_count(1, timeout=SLOW)
    found["a circle, as a member"] = _violations(ally)

    ally_context.set_offline(True)
    edit_note(ally, "Thursday", "We meet at the library at six.")
    edit_note(survivor, "Thursday", "We meet at the library on the second floor.")
    synced(survivor)
    ally_context.set_offline(False)
    synced(ally)
    expect(ally.get_by_test_id("conflict")).to_be_visible(timeout=SLOW)
    ally.get_by_label("I need a break").check()
    expect(ally.get_by_label("While I take a break, this person speaks for me")).to_be_visible()
    found["a note with another version, and a check-in being written"] = _violations(ally)
    ally.get_by_role("button", name="Post the check-in").click()
    expect(ally.get_by_test_id("checkin")).to_have_count(1)
    found["a check-in"] = _violations(ally)
    ally.get_by_role("button", name="Leave this circle").click()
    found["leaving, the confirmation"] = _violations(ally)
    ally.get_by_role("button", name="Yes, leave").click()
    expect(ally.get_by_test_id("circle-standing")).to_be_visible(timeout=SLOW)
    found["a circle that was left"] = _violations(ally)
    assert {screen: v for screen, v in found.items() if v} == {}
    if options is NARROW:
        for page in (survivor, ally):
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "WCAG 1.4.10 Reflow"
    survivor_context.close()
    ally_context.close()
