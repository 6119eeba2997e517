"""The screen hides itself: the moment the page leaves the person's sight (hidden in the app
switcher, or left) nothing the person wrote is left in the page, and it comes back.

Headless Chromium never hides a page itself, so the browser's own signal is played here: the
page's visibility reads "hidden" and the event fires, as a phone's browser does when the app goes
to the background. Everything after the event is the app's real code."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app_flows import answer, first_run, go_to, open_app, section
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

WORDS = "Meet Ana at the library on Thursday"
OUTSIDE = "Support outside all of this"

_HIDE = """() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
}"""
_SHOW = """() => {
    delete document.visibilityState;
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event('focus'));
}"""


def _nothing_written_shown(page: Page) -> None:
    page.wait_for_timeout(300)
    text = page.locator("body").inner_text()
    assert WORDS not in text and "My allies" not in text, "300 ms after hiding, the screen holds nothing"
    assert page.evaluate("document.body.innerHTML").count(WORDS) == 0, "nor does the DOM"
    expect(page.get_by_test_id("veiled")).to_have_text("Support Circle")


def test_the_screen_empties_when_hidden_and_comes_back_as_it_was(browser: Browser, app_server: ServerProcess) -> None:
    context, page, problems = open_app(browser, app_server.url)
    first_run(page, sync=False)
    go_to(page, "My allies")
    go_to(page, "My plan")
    answer(page, OUTSIDE, WORDS)

    page.evaluate(_HIDE)
    _nothing_written_shown(page)
    page.evaluate(_SHOW)
    expect(section(page, OUTSIDE).get_by_label("Your answer")).to_be_visible()

    page.evaluate("() => window.dispatchEvent(new Event('pagehide'))")
    _nothing_written_shown(page)
    page.evaluate(_SHOW)
    expect(page.get_by_role("heading", level=1)).to_have_text("My support plan")

    # A desktop window that loses the focus stays on screen beside the one someone else looks at.
    page.evaluate("() => window.dispatchEvent(new Event('blur'))")
    _nothing_written_shown(page)
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")
    expect(section(page, OUTSIDE).get_by_label("Your answer")).to_have_value(WORDS)

    assert problems == []
    context.close()


def test_nothing_is_veiled_before_unlock(browser: Browser, app_server: ServerProcess) -> None:
    """A passphrase half typed survives a trip to a password manager: before unlock there is nothing to hide."""
    context, page, problems = open_app(browser, app_server.url)
    page.get_by_label("Passphrase", exact=True).fill("half of it")
    page.evaluate(_HIDE)
    page.wait_for_timeout(300)
    page.evaluate(_SHOW)
    expect(page.get_by_label("Passphrase", exact=True)).to_have_value("half of it")
    assert problems == []
    context.close()
