"""The duress passphrase, in real Chromium: typed at the unlock screen instead of the person's
own, it opens a separate plain space that sends nothing and leaves the plan untouched, or erases
the device; and nothing the browser stores says whether one was set."""

import json
import sqlite3
from contextlib import closing

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app_flows import (
    FIRST_RUN_HEADING,
    PASSPHRASE,
    SLOW,
    add_ally,
    answer,
    first_run,
    go_to,
    indexeddb_stores,
    lock,
    open_app,
    synced,
    unlock,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

DURESS = "orange pencil garden"
PLAN_WORDS = "Meet Ana at the library on Thursday"


def _shape(page: Page) -> dict[str, list[object]]:
    """What someone who inspects the browser's storage sees: each store's keys (random record ids
    left out) and each item's size as stored, sorted where the keys are random."""
    shape: dict[str, list[object]] = {}
    for name, store in indexeddb_stores(page).items():
        sizes = [len(json.dumps(value, separators=(",", ":"))) for value in store["values"]]
        named = name.endswith(("/meta", "/state"))
        shape[name] = list(zip(store["keys"], sizes, strict=True)) if named else sorted(sizes)
    return shape


def _set_duress(page: Page, does: str) -> None:
    go_to(page, "Settings")
    form = page.get_by_role("form", name="A second passphrase, for when you are made to open this app")
    expect(form.get_by_test_id("duress-state")).to_have_text("No second passphrase is set.")
    form.get_by_label(does).check()
    form.get_by_label("Current passphrase").fill(PASSPHRASE)
    form.get_by_label("Second passphrase").fill(DURESS)
    form.get_by_label("Type it again").fill(DURESS)
    form.get_by_role("button", name="Set the second passphrase").click()
    expect(form.get_by_test_id("duress-status")).to_contain_text("Saved", timeout=SLOW)


def _server_holds(server: ServerProcess) -> tuple[int, int]:
    """Devices and changes the server holds, in all: compared before and after, as the tests run one at a time."""
    with closing(sqlite3.connect(server.data_dir / "support-circle.sqlite3")) as db:
        devices = db.execute("SELECT count(*) FROM device").fetchone()[0]
        changes = db.execute('SELECT count(*) FROM "change"').fetchone()[0]
    return devices, changes


def _open_with(page: Page, passphrase: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    page.get_by_label("Passphrase", exact=True).fill(passphrase)
    page.get_by_role("button", name="Open", exact=True).click()


def test_the_second_passphrase_opens_a_plain_space_that_sends_nothing(
    browser: Browser, app_server: ServerProcess
) -> None:
    context, page, problems = open_app(browser, app_server.url)
    first_run(page)
    answer(page, "Support outside all of this", PLAN_WORDS)
    add_ally(page, "Auntie Rosa")
    synced(page)
    _set_duress(page, "Open a separate, plain space")
    lock(page)
    held = _server_holds(app_server)

    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    _open_with(page, DURESS)
    expect(page.get_by_role("heading", level=1)).to_have_text("My support plan", timeout=SLOW)
    assert PLAN_WORDS not in page.locator("body").inner_text()
    go_to(page, "My allies")
    expect(page.get_by_role("heading", level=3, name="Auntie Rosa")).to_have_count(0)
    add_ally(page, "Neighbour Sam")  # the person prepares what someone would see
    go_to(page, "Settings")
    expect(page.get_by_test_id("duress-state")).to_have_text("No second passphrase is set.")
    lock(page)
    assert [url for url in requests if "/v1/" in url] == [], "the separate space contacted the server"

    unlock(page)
    expect(page.get_by_role("form", name="Support outside all of this").get_by_label("Your answer")).to_have_value(
        PLAN_WORDS
    )
    go_to(page, "My allies")
    expect(page.get_by_role("heading", level=3, name="Auntie Rosa")).to_be_visible()
    expect(page.get_by_role("heading", level=3, name="Neighbour Sam")).to_have_count(0)
    synced(page)
    assert _server_holds(app_server) == held, "nothing of the separate space reached the server"
    lock(page)
    _open_with(page, DURESS)
    go_to(page, "My allies")
    expect(page.get_by_role("heading", level=3, name="Neighbour Sam")).to_be_visible()
    assert problems == []
    context.close()


def test_storage_is_the_same_shape_with_or_without_one(browser: Browser, app_server: ServerProcess) -> None:
    shapes = []
    for with_duress in (False, True):
        context, page, problems = open_app(browser, app_server.url)
        first_run(page, sync=False)
        answer(page, "Support outside all of this", PLAN_WORDS)
        if with_duress:
            _set_duress(page, "Open a separate, plain space")
        lock(page)
        if with_duress:
            _open_with(page, DURESS)
            expect(page.get_by_role("heading", level=1)).to_have_text("My support plan", timeout=SLOW)
            answer(page, "Support outside all of this", "Call the dentist")
            lock(page)
        unlock(page)
        lock(page)
        shapes.append(_shape(page))
        assert problems == []
        context.close()
    assert json.dumps(shapes[0], sort_keys=True) == json.dumps(shapes[1], sort_keys=True)


def test_the_second_passphrase_can_erase_the_device(browser: Browser, app_server: ServerProcess) -> None:
    context, page, problems = open_app(browser, app_server.url)
    first_run(page, sync=False)
    answer(page, "Support outside all of this", PLAN_WORDS)
    _set_duress(page, "Erase this device")
    lock(page)
    _open_with(page, DURESS)
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_RUN_HEADING, timeout=SLOW)
    # Nothing says what happened: the first screen, as a new install shows it.
    expect(page.get_by_text("removed")).to_have_count(0)
    assert page.evaluate("indexedDB.databases().then((d) => d.length)") == 0
    assert problems == []
    context.close()
