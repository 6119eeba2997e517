"""The safety shell as a person in danger meets it: leave at once, lock, and leave no way Back.

How the tests see that a quick exit blanked the page and locked the app *before* leaving: the
app marks <html> with two attributes that carry no content, ``data-exiting`` (the stylesheet
hides everything under it) and ``data-locked`` (the lock callback ran). A script the test adds
to each page reports them, with the body's computed visibility, the moment ``data-exiting``
appears, which is before the neutral page is even requested. (Holding the neutral page's
request with ``page.route`` and reading the page meanwhile does not work: Chromium answers no
evaluation in a document whose navigation is pending.)
"""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.browser.app_flows import answer, controlled, first_run, section, unlock
from tests.browser.conftest import DIST
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

NEUTRAL_PATH = "/recipes.html"
NEUTRAL_HEADING = "Simple everyday recipes"
SHIFT_WINDOW_S = 5.0
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 3}


@contextmanager
def _context(browser: Browser, **options: object) -> Iterator[BrowserContext]:
    context = browser.new_context(**options)  # type: ignore[arg-type]
    try:
        yield context
    finally:
        context.close()


# Runs in every page of the test's context, before the page's own scripts. The moment a quick
# exit marks the page, it notes the app's state in this tab's sessionStorage, which the neutral
# page (same origin, same tab) can read back. The note is the test's, never the app's.
_NOTE_LEAVING = """
new MutationObserver(() => {
    const root = document.documentElement;
    if (root.hasAttribute('data-exiting') && !sessionStorage.getItem('test-leaving')) {
        sessionStorage.setItem('test-leaving', JSON.stringify({
            locked: root.hasAttribute('data-locked'),
            bodyVisibility: getComputedStyle(document.body).visibility,
            path: location.pathname,
        }));
    }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-exiting']});
"""


def _open_app(context: BrowserContext, server: ServerProcess, *, after: str | None = "/healthz") -> Page:
    """The app, with another page before it in this tab's history (by default the server's health check)."""
    context.add_init_script(_NOTE_LEAVING)
    page = context.new_page()
    if after is not None:
        page.goto(server.url + after)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: _note_error(message, problems))
    page.problems = problems  # type: ignore[attr-defined]
    page.goto(server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("A private place for your support plan")
    return page


def _note_error(message: ConsoleMessage, problems: list[str]) -> None:
    # The JSON page before the app has no icon, so Chromium asks for /favicon.ico: not the app's request.
    if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
        problems.append(f"{message.text} ({message.location['url']})")


def _leave(page: Page, leave: Callable[[], None]) -> dict[str, object]:
    """Leaves, and returns the app's state at the moment it started to leave."""
    leave()
    page.wait_for_url(f"**{NEUTRAL_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text(NEUTRAL_HEADING)
    note = page.evaluate("sessionStorage.getItem('test-leaving')")
    assert note is not None, "the page was marked as leaving"
    state: dict[str, object] = json.loads(note)
    assert state["path"] == "/", "it was the app that blanked and locked"
    return state


def _assert_left_safely(page: Page, state: dict[str, object], server: ServerProcess, history_length: int) -> None:
    assert state["bodyVisibility"] == "hidden", "the page was blank before the neutral page came"
    assert state["locked"], "the app locked before it left"
    assert page.title() != "Support Circle"
    assert not page.problems, "no script error and no Content-Security-Policy violation"  # type: ignore[attr-defined]
    assert page.evaluate("history.length") == history_length, "the app's history entry was replaced, not added to"
    page.go_back()
    assert urlsplit(page.url).path == "/healthz", "Back skips the app and goes to the page before it"
    page.go_forward()
    assert urlsplit(page.url).path == NEUTRAL_PATH, "Forward does not lead back into the app either"


def test_leave_now_blanks_locks_and_replaces_the_history_entry(browser: Browser, app_server: ServerProcess) -> None:
    with _context(browser, service_workers="block") as context:
        page = _open_app(context, app_server)
        length = page.evaluate("history.length")
        button = page.get_by_role("button", name="Leave now")
        state = _leave(page, button.click)
        _assert_left_safely(page, state, app_server, length)


def test_leaving_the_open_plan_locks_it_before_the_neutral_page(browser: Browser, app_server: ServerProcess) -> None:
    with _context(browser, service_workers="block") as context:
        page = _open_app(context, app_server)
        first_run(page, sync=False)
        answer(page, "Who I go to for support", "My sister Ana")
        length = page.evaluate("history.length")
        state = _leave(page, page.get_by_role("button", name="Leave now").click)
        _assert_left_safely(page, state, app_server, length)
        page.goto(app_server.url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")


def test_shift_pressed_three_times_leaves(browser: Browser, app_server: ServerProcess) -> None:
    with _context(browser, service_workers="block") as context:
        page = _open_app(context, app_server)
        length = page.evaluate("history.length")
        progress = page.get_by_test_id("shift-progress")

        def press_shift_three_times() -> None:
            page.keyboard.press("Shift")
            expect(progress).to_have_text("Press Shift 2 more times to leave.")
            page.keyboard.press("Shift")
            expect(progress).to_have_text("Press Shift 1 more time to leave.")
            page.keyboard.press("Shift")

        state = _leave(page, press_shift_three_times)
        _assert_left_safely(page, state, app_server, length)


def test_two_presses_then_a_pause_longer_than_the_window_do_not_leave(
    browser: Browser, app_server: ServerProcess
) -> None:
    with _context(browser, service_workers="block") as context:
        # The app's own clock, moved on past the window rather than waited out.
        context.clock.install()
        page = _open_app(context, app_server)
        progress = page.get_by_test_id("shift-progress")
        page.keyboard.press("Shift")
        page.keyboard.press("Shift")
        expect(progress).to_have_text("Press Shift 1 more time to leave.")
        page.clock.fast_forward(int(SHIFT_WINDOW_S * 1000) + 500)
        expect(progress).to_have_text("")
        page.keyboard.press("Shift")
        expect(progress).to_have_text("Press Shift 2 more times to leave.")
        page.wait_for_timeout(500)
        assert urlsplit(page.url).path == "/"
        assert page.evaluate("document.documentElement.hasAttribute('data-exiting')") is False


def test_shift_typed_in_a_text_field_on_a_phone_does_not_leave(browser: Browser, app_server: ServerProcess) -> None:
    with _context(browser, service_workers="block", **PHONE) as context:
        page = _open_app(context, app_server)
        assert page.evaluate("navigator.maxTouchPoints > 0 && matchMedia('(pointer: coarse)').matches"), (
            "the context looks like a phone to the app"
        )
        first_run(page, sync=False)
        field = section(page, "Who I go to for support").get_by_label("Your answer")
        field.tap()
        for _ in range(3):
            page.keyboard.press("Shift")
        page.keyboard.type("Hi Ana")
        for _ in range(4):
            page.keyboard.press("Shift")
        page.wait_for_timeout(500)
        assert urlsplit(page.url).path == "/", "typing with Shift in a field on a phone does not leave"
        expect(field).to_have_value("Hi Ana")

        # Outside a text field the same phone (with a keyboard attached) can still use Shift×3.
        page.get_by_role("heading", level=1).tap()
        field.evaluate("field => field.blur()")
        for _ in range(3):
            page.keyboard.press("Shift")
        page.wait_for_url(f"**{NEUTRAL_PATH}")


def test_the_quick_exit_button_is_thumb_sized_and_at_the_bottom_on_a_phone(
    browser: Browser, app_server: ServerProcess
) -> None:
    with _context(browser, service_workers="block", **PHONE) as context:
        page = _open_app(context, app_server)
        box = page.get_by_role("button", name="Leave now").bounding_box()
        assert box is not None
        assert box["width"] >= 44 and box["height"] >= 44
        assert box["y"] + box["height"] > 844 - 24, "it sits at the bottom of the screen"
        page.mouse.wheel(0, 2000)
        box_after_scroll = page.get_by_role("button", name="Leave now").bounding_box()
        assert box_after_scroll == box, "it stays there while the page scrolls"


def test_the_skip_link_is_the_first_stop_and_leaves(browser: Browser, app_server: ServerProcess) -> None:
    with _context(browser, service_workers="block") as context:
        page = _open_app(context, app_server)
        skip = page.get_by_test_id("skip-leave")
        assert (skip.bounding_box() or {"width": 0})["width"] <= 1, "hidden until it has focus"
        page.keyboard.press("Tab")
        expect(skip).to_be_focused()
        expect(skip).to_have_text("Leave this page now")
        box = skip.bounding_box()
        assert box is not None and box["width"] > 44 and box["height"] >= 24, "shown once it has focus"
        length = page.evaluate("history.length")
        state = _leave(page, lambda: page.keyboard.press("Enter"))
        _assert_left_safely(page, state, app_server, length)


def test_the_neutral_page_comes_from_the_precache_when_offline(browser: Browser, app_server: ServerProcess) -> None:
    with _context(browser, service_workers="allow") as context:
        requested: list[str] = []
        context.on("request", lambda request: requested.append(request.url))
        page = _open_app(context, app_server, after=None)
        controlled(page)
        context.set_offline(True)
        with page.expect_response(f"**{NEUTRAL_PATH}") as response:
            page.get_by_role("button", name="Leave now").click()
        assert response.value.from_service_worker, "the neutral page came from the precache"
        expect(page.get_by_role("heading", level=1)).to_have_text(NEUTRAL_HEADING)
        expect(page.locator("body")).not_to_contain_text("Support Circle")
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Georgia"), "with its styles"
        assert {urlsplit(url).netloc for url in requested} == {urlsplit(app_server.url).netloc}


def test_lock_now_hides_the_screen_and_the_title_never_changes(browser: Browser, app_server: ServerProcess) -> None:
    with _context(browser, service_workers="block") as context:
        page = _open_app(context, app_server)
        first_run(page, sync=False)
        answer(page, "Who I go to for support", "My sister Ana")
        assert page.title() == "Support Circle"
        page.get_by_role("button", name="Lock now").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
        expect(page.locator("html")).to_have_attribute("data-locked", "")
        expect(page.locator("body")).not_to_contain_text("My sister Ana")
        expect(page.locator("main")).to_be_focused()
        assert page.title() == "Support Circle"
        expect(page.get_by_role("button", name="Leave now")).to_be_visible()
        expect(page.get_by_role("button", name="Lock now")).to_have_count(0)

        unlock(page)
        expect(page.locator("html")).not_to_have_attribute("data-locked", "")
        expect(page.get_by_label("Your answer").first).to_have_value("My sister Ana")
        assert page.title() == "Support Circle"


def test_the_app_locks_itself_after_five_idle_minutes(browser: Browser, app_server: ServerProcess) -> None:
    with _context(browser, service_workers="block") as context:
        page = context.new_page()
        page.clock.install()
        page.goto(app_server.url)
        first_run(page, sync=False)
        page.clock.fast_forward("04:00")
        page.mouse.click(5, 300)
        page.clock.fast_forward("04:00")
        expect(page.get_by_role("heading", level=1)).to_have_text("My support plan")
        page.clock.fast_forward("01:01")
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
        expect(page.locator("html")).to_have_attribute("data-locked", "")


def test_the_history_notice_is_shown_once(browser: Browser, app_server: ServerProcess) -> None:
    with _context(browser, service_workers="block") as context:
        page = _open_app(context, app_server, after=None)
        notice = page.get_by_test_id("history-notice")
        expect(notice).to_contain_text("does not erase your browser’s history")
        page.get_by_role("button", name="I understand").click()
        expect(notice).to_have_count(0)
        # The server's settings are kept once /v1/server answers, which may come after the click:
        # the first screen is drawn before the rest of the app has loaded.
        page.wait_for_function("() => localStorage.getItem('serverSafety') !== null", timeout=15_000)
        stored = dict(page.evaluate("Object.entries(localStorage)"))
        # Only that it was read, beside the server's public settings: nothing the person wrote.
        assert stored.keys() == {"historyNoticeDismissed", "serverSafety", "disguiseDefault"}
        assert stored["historyNoticeDismissed"] == "yes"
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(notice).to_have_count(0)


class _EverydaySite:
    """An ordinary site on loopback, standing in for the weather page an organisation sets."""

    def __init__(self, folder: Path) -> None:
        (folder / "weather.html").write_text("<!doctype html><title>Weather</title><h1>Today's weather</h1>")
        handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/weather.html"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_the_organisations_line_and_everyday_site(browser: Browser, tmp_path: Path) -> None:
    site = _EverydaySite(tmp_path)
    line = "In danger now? Call 111. Support line: 0800 733 843"
    server = ServerProcess(
        data_dir=tmp_path / "data", static_dir=DIST, env={"SAFETY_LINE": line, "QUICK_EXIT_URL": site.url}
    )
    server.start()
    try:
        with _context(browser, service_workers="allow") as context:  # the offline part needs the precache
            page = _open_app(context, server)
            expect(page.get_by_test_id("danger-line")).to_have_text(line)
            first_run(page, sync=False)
            expect(page.get_by_test_id("danger-line")).to_have_count(0)
            page.get_by_role("button", name="Lock now").click()
            expect(page.get_by_test_id("danger-line")).to_have_text(line)
            length = page.evaluate("history.length")
            page.get_by_role("button", name="Leave now").click()
            page.wait_for_url(site.url)
            expect(page.get_by_role("heading", level=1)).to_have_text("Today's weather")
            assert page.evaluate("history.length") == length, "the app's history entry was replaced"
            page.go_back()
            assert urlsplit(page.url).path == "/healthz", "Back skips the app"

            # Offline, the organisation's site cannot load: the built-in neutral page instead.
            page.goto(server.url)
            controlled(page)
            context.set_offline(True)
            page.get_by_role("button", name="Leave now").click()
            page.wait_for_url(f"**{NEUTRAL_PATH}")
            expect(page.get_by_role("heading", level=1)).to_have_text(NEUTRAL_HEADING)
    finally:
        server.stop()
        site.server.shutdown()
