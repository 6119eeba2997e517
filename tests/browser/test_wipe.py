"""Removing everything from a device, by hand or after wrong passphrases: nothing of the app, of
the person or of the fact that the app was here may stay in the browser's storage."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app_flows import first_run, go_to, watch_problems
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

# Everything an origin can keep in a browser, as the page itself sees it.
_WHAT_IS_KEPT = """async () => ({
    databases: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
    workers: (await navigator.serviceWorker.getRegistrations()).length,
    local: localStorage.length,
    session: sessionStorage.length,
})"""
_NOTHING = {"databases": [], "caches": [], "workers": 0, "local": 0, "session": 0}


def _kept(page: Page) -> dict[str, object]:
    kept: dict[str, object] = page.evaluate(_WHAT_IS_KEPT)
    return kept


def test_removing_everything_leaves_no_database_cache_worker_or_storage(
    browser: Browser, app_server: ServerProcess
) -> None:
    context = browser.new_context()  # service workers allowed: the offline copy must go too
    page = context.new_page()
    problems = watch_problems(page)
    page.goto(app_server.url)
    first_run(page, sync=False)
    page.get_by_role("button", name="I understand").click()  # the history notice: one localStorage entry
    page.wait_for_function("navigator.serviceWorker.ready.then(() => caches.keys()).then((k) => k.length > 0)")
    before = _kept(page)
    assert before["databases"] and before["caches"] and before["workers"] and before["local"], before

    go_to(page, "Settings")
    page.get_by_label("Type DELETE to confirm").fill("DELETE")
    page.get_by_role("button", name="Remove everything").click()
    expect(page.get_by_role("status").filter(has_text="Everything has been removed")).to_be_visible()
    assert _kept(page) == _NOTHING
    expect(page.get_by_test_id("offline-status")).to_have_attribute("data-state", "removed")
    assert problems == []
    context.close()
