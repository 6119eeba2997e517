"""A disguise chosen by the person, or by their organisation, is the only name the app carries:
in the tab on every screen, in the browser's history, in the manifest a phone installs and on the
lock screen. Phone sized, real Chromium, real server; the manifest and the history are read as the
browser itself holds them (Chromium's DevTools protocol: Page.getAppManifest,
Page.getNavigationHistory)."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.app_flows import answer, first_run, go_to, lock, watch_problems
from tests.browser.conftest import DIST
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 3}
# Words that would tell someone holding the phone what the app is for.
SENSITIVE = re.compile(r"support|plan|all(y|ies)|abuse|violence|circle|safety|danger", re.IGNORECASE)


def _phone(browser: Browser, url: str) -> tuple[BrowserContext, Page, list[str]]:
    context = browser.new_context(service_workers="block", **PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    problems = watch_problems(page)
    page.goto(url)
    return context, page, problems


def _installed_manifest(page: Page) -> dict[str, object]:
    cdp = page.context.new_cdp_session(page)
    answer = cdp.send("Page.getAppManifest")
    assert answer["errors"] == [], answer["errors"]
    manifest: dict[str, object] = json.loads(answer["data"])
    return manifest


def _history(page: Page) -> list[tuple[str, str]]:
    cdp = page.context.new_cdp_session(page)
    return [(entry["url"], entry["title"]) for entry in cdp.send("Page.getNavigationHistory")["entries"]]


def test_a_chosen_disguise_is_the_only_name_the_app_carries(browser: Browser, app_server: ServerProcess) -> None:
    context, page, problems = _phone(browser, app_server.url)
    page.get_by_label("Notes", exact=True).check()
    expect(page).to_have_title("Notes")
    manifest = _installed_manifest(page)
    assert (manifest["name"], manifest["short_name"]) == ("Notes", "Notes"), "the home screen takes the face"
    assert not SENSITIVE.search(json.dumps(manifest))

    first_run(page, sync=False)
    answer(page, "Support outside all of this", "My sister, Sundays")
    for tab in ("My allies", "Circles", "Settings"):
        go_to(page, tab)
        expect(page).to_have_title("Notes")
    expect(page.locator(".app-name")).to_have_text("Notes")
    expect(page.get_by_label("Notes", exact=True)).to_be_checked()  # Settings shows the choice

    lock(page)
    expect(page).to_have_title("Notes")
    lock_screen = page.locator("body").inner_text()
    assert not SENSITIVE.search(lock_screen), f"the lock screen says what the app is: {lock_screen!r}"
    page.get_by_text("Help", exact=True).click()
    expect(page.get_by_test_id("danger-line")).to_be_visible()  # the line is one tap away

    page.reload()
    expect(page).to_have_title("Notes")
    for url, title in _history(page):
        assert not SENSITIVE.search(url + " " + title), f"history carries {url!r} {title!r}"
    assert problems == []
    context.close()


def test_the_organisations_default_holds_until_the_person_chooses(browser: Browser, tmp_path: Path) -> None:
    server = ServerProcess(data_dir=tmp_path / "data", static_dir=DIST, env={"DISGUISE": "budget"})
    server.start()
    try:
        context, page, problems = _phone(browser, server.url)
        expect(page).to_have_title("Budget")
        expect(page.get_by_label("Budget", exact=True)).to_be_checked()
        assert _installed_manifest(page)["name"] == "Budget"

        page.get_by_label("Support Circle", exact=True).check()
        expect(page).to_have_title("Support Circle")
        page.reload()
        expect(page.get_by_label("Support Circle", exact=True)).to_be_checked()
        page.wait_for_load_state("networkidle")  # the server's answer, with its default, has come
        expect(page).to_have_title("Support Circle")
        assert _installed_manifest(page)["name"] == "Support Circle"
        assert problems == []
        context.close()
    finally:
        server.stop()
