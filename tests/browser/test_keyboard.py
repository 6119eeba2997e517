"""The first-run → plan → ally flow with a keyboard alone: Tab to move, type, Space and Enter to act.
No clicks, no `fill`: if a control cannot be reached or used by keyboard, this test cannot pass."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app_flows import PASSPHRASE, SLOW, answer, first_run, open_app, section
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

# The name a person hears for the focused control: its label, or its own text.
_FOCUSED_NAME = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return '';
    const label = el.labels && el.labels.length
        ? el.labels[0].textContent
        : el.getAttribute('aria-label') || el.textContent;
    return (label || '').trim();
}"""


def _tab_to(page: Page, name: str, *, limit: int = 60) -> None:
    """Presses Tab until the control named `name` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(_FOCUSED_NAME) == name:
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab")


def test_first_run_plan_and_an_ally_by_keyboard_alone(browser: Browser, app_server: ServerProcess) -> None:
    context, page, problems = open_app(browser, app_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("A private place for your support plan")

    _tab_to(page, "Passphrase")
    page.keyboard.type(PASSPHRASE)
    _tab_to(page, "Type it again")
    page.keyboard.type(PASSPHRASE)
    _tab_to(page, "Keep a copy in sync with the server this app came from")
    page.keyboard.press("Space")
    _tab_to(page, "Set up my private space")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery key", timeout=SLOW)
    _tab_to(page, "I have kept my recovery key somewhere safe")
    page.keyboard.press("Space")
    _tab_to(page, "Continue")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("My support plan")

    _tab_to(page, "My allies")
    page.keyboard.press("Enter")
    # A person tabs on once the screen is drawn; Tab pressed before would run past it.
    expect(page.get_by_role("heading", level=1)).to_have_text("My allies")
    _tab_to(page, "Add a person")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    # The form moves focus to its heading once drawn; Tab only from there, as a person would.
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    _tab_to(page, "Name or nickname")
    page.keyboard.type("Moana")
    _tab_to(page, "Supports me")
    page.keyboard.press("Space")
    _tab_to(page, "Save")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=3, name="Moana")).to_be_visible()

    _tab_to(page, "My plan")
    page.keyboard.press("Enter")
    support = section(page, "Who I go to for support")
    expect(support.get_by_label("Your answer")).to_be_visible(timeout=SLOW)
    _tab_to(page, "Your answer")
    page.keyboard.type("Moana, on Tuesday evenings")
    _tab_to(page, "People this answer is about")
    page.keyboard.press("Enter")
    # The picker is drawn once opened (Plan.tsx): Tab on only when its people are there.
    expect(support.get_by_label("Moana")).to_be_visible()
    _tab_to(page, "Moana")
    page.keyboard.press("Space")
    _tab_to(page, "Save")
    page.keyboard.press("Enter")
    expect(support.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    expect(support.get_by_label("Your answer")).to_have_value("Moana, on Tuesday evenings")
    expect(support.get_by_label("Moana")).to_be_checked()
    expect(support.locator("summary")).to_have_text("People this answer is about: Moana")
    assert not problems
    context.close()


def test_a_circle_by_keyboard_alone(browser: Browser, app_server: ServerProcess) -> None:
    """Start a circle, share an answer with it, make an invite, write a note and check in."""
    context, page, problems = open_app(browser, app_server.url)
    first_run(page)
    answer(page, "When I need a break", "Rewa speaks for me", shareable=True)
    page.keyboard.press("Shift+Tab")  # from wherever the last click left the focus, back into the page

    _tab_to(page, "Circles")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Circles")
    _tab_to(page, "Name of the circle")
    page.keyboard.type("Thursday group")
    # Tab reaches a group of radio buttons at its chosen one; the arrows choose another.
    _tab_to(page, "Supporting me")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    _tab_to(page, "Your name in this circle", limit=10)
    expect(page.get_by_label("Allies supporting each other")).to_be_checked()
    page.keyboard.type("Mere")
    _tab_to(page, "Start the circle")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thursday group", timeout=SLOW)
    expect(page.get_by_role("heading", level=1)).to_be_focused()

    _tab_to(page, "Who is this invite for?")
    page.keyboard.type("Aroha")
    _tab_to(page, "Make an invite link")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("invite-link")).to_contain_text("#join=", timeout=SLOW)
    _tab_to(page, "When I need a break")
    page.keyboard.press("Space")
    expect(page.get_by_test_id("shared-plan")).to_have_count(1, timeout=SLOW)

    _tab_to(page, "Write a note")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Title")).to_be_focused()
    page.keyboard.type("Thursday")
    _tab_to(page, "Note")
    page.keyboard.type("We meet at the library.")
    _tab_to(page, "Save")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("note")).to_contain_text("We meet at the library.")

    _tab_to(page, "I am okay")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("I am struggling")).to_be_checked()
    _tab_to(page, "What I need (optional)")
    page.keyboard.type("A quiet evening")
    _tab_to(page, "Post the check-in")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("checkin")).to_contain_text("I am struggling")
    expect(page.get_by_test_id("checkin")).to_contain_text("A quiet evening")
    assert not problems
    context.close()
