"""The walking skeleton, as a person meets it: open the app once, then it works with no network."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.browser.app_flows import controlled, open_app
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_app_installs_and_works_offline_after_the_first_visit(browser: Browser, app_server: ServerProcess) -> None:
    context = browser.new_context(service_workers="allow")
    requested: list[str] = []
    problems: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.on("console", lambda message: _note_error(message, problems))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(app_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("A private place for your support plan")
    expect(page.get_by_test_id("server-status")).to_have_attribute("data-state", "reachable")
    controlled(page)
    expect(page.get_by_test_id("offline-status")).to_have_attribute("data-state", "ready")
    assert page.title() == "Support Circle"

    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # A test context is a private window, where Chromium never installs; that is about the test.
    assert [e for e in errors if e["errorId"] != "in-incognito"] == [], "Chromium would offer to install the app"

    context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker, "the page came from the precache"
    expect(page.get_by_role("heading", level=1)).to_have_text("A private place for your support plan")
    expect(page.get_by_test_id("server-status")).to_have_attribute("data-state", "unreachable")
    expect(page.get_by_test_id("offline-status")).to_have_attribute("data-state", "ready")

    origins = {_origin(url) for url in requested if not url.startswith(("data:", "blob:"))}
    assert origins == {app_server.url}, "no request went to another origin"
    assert not problems, "no script error and no Content-Security-Policy violation"
    context.close()


def test_the_app_keeps_working_when_the_server_is_gone(browser: Browser, own_server: ServerProcess) -> None:
    context, page, _ = open_app(browser, own_server.url, offline=True)

    own_server.stop()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("A private place for your support plan")
    expect(page.get_by_test_id("server-status")).to_have_attribute("data-state", "unreachable")
    context.close()


def _note_error(message: ConsoleMessage, problems: list[str]) -> None:
    # A failed fetch while offline is expected and shown in the app; anything else is a defect.
    if message.type == "error" and "net::ERR_INTERNET_DISCONNECTED" not in message.text:
        problems.append(message.text)
