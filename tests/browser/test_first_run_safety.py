"""Told first, not at the foot of a long page: what Leave now does, that the browser's history
remains, and what no app can protect against — before the person chooses a passphrase, and
again in Settings."""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.app_flows import first_run, go_to, open_app
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

_BEFORE = "(a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)"


def test_leaving_and_the_apps_limits_are_told_before_the_passphrase(
    browser: Browser, app_server: ServerProcess
) -> None:
    context, page, problems = open_app(browser, app_server.url)
    notice = page.get_by_test_id("history-notice")
    expect(notice).to_contain_text("“Leave now” closes this app straight away")
    expect(notice).to_contain_text("Leaving does not erase your browser’s history")
    expect(notice.get_by_role("heading", name="What this app cannot protect you from")).to_be_visible()
    expect(notice).to_contain_text("Monitoring software")
    form = page.get_by_role("form", name="Choose a passphrase")
    assert notice.element_handle().evaluate(_BEFORE, form.element_handle()), "told before the passphrase form"
    assert page.get_by_test_id("history-notice").count() == 1, "told once, not again at the foot of the page"

    page.get_by_role("button", name="I understand").click()
    expect(notice).to_have_count(0)
    first_run(page, sync=False)
    expect(page.get_by_test_id("history-notice")).to_have_count(0)
    go_to(page, "Settings")
    expect(page.get_by_role("heading", name="What this app cannot protect you from")).to_be_visible()
    assert problems == []
    context.close()
