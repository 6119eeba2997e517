"""Removing everything from a device, by hand or after wrong passphrases: nothing of the app, of
the person or of the fact that the app was here may stay in the browser's storage."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app_flows import SLOW, first_run, go_to, lock, watch_problems, wrong_try
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


def test_wrong_passphrases_erase_the_device_once_the_person_chose_so(
    browser: Browser, app_server: ServerProcess
) -> None:
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.clock.install()  # the waits between wrong tries, moved on rather than waited out
    problems = watch_problems(page)
    page.goto(app_server.url)
    first_run(page, sync=False)
    go_to(page, "Settings")
    setting = page.get_by_label("Erase this device after")
    expect(setting).to_have_value("never")
    setting.select_option(label="5 wrong passphrases in a row")
    page.get_by_role("form", name="Erase after wrong passphrases").get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("wipe-after-status")).to_contain_text("erased after 5 wrong passphrases")
    lock(page)

    for _ in range(4):
        wrong_try(page, "not the passphrase")
        page.clock.fast_forward("00:30")  # past the wait the fourth and later tries cost
    page.get_by_label("Passphrase", exact=True).fill("not the passphrase")
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A private place for your support plan", timeout=SLOW)
    expect(page.get_by_role("status").filter(has_text="Everything has been removed")).to_be_visible()
    assert _kept(page)["databases"] == []
    assert problems == []
    context.close()
