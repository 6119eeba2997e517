"""The survivor's app end to end in Chromium against a real server: first run, plan, allies,
locking, offline use and what IndexedDB holds."""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.app_flows import (
    PASSPHRASE,
    SLOW,
    add_ally,
    answer,
    first_run,
    go_to,
    indexeddb_dump,
    lock,
    open_app,
    section,
    unlock,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

SUPPORT = "Who I go to for support"
BREAK = "When I need a break"
WORDS = ["Aunt Rewa listens without judging", "Tama can speak for me", "Rewa Hohaia", "021 555 0199"]


def test_first_run_plan_allies_lock_unlock_keeps_everything(browser: Browser, app_server: ServerProcess) -> None:
    context, page, problems = open_app(browser, app_server.url)
    recovery = first_run(page, sync=False)
    assert len(recovery.replace("-", "").replace(" ", "")) >= 40, "a real recovery key was shown"

    answer(page, SUPPORT, WORDS[0])
    answer(page, BREAK, WORDS[1], shareable=True)
    expect(page.get_by_test_id("plan-progress")).to_have_text("You have written something in 2 of 7 sections.")
    add_ally(page, WORDS[2], reach=WORDS[3], roles=("Supports me", "Facilitator"))
    go_to(page, "My plan")
    section(page, SUPPORT).locator("summary").click()
    section(page, SUPPORT).get_by_label(WORDS[2]).check()
    section(page, SUPPORT).get_by_role("button", name="Save").click()
    expect(section(page, SUPPORT).get_by_test_id("save-status")).to_have_attribute("data-state", "saved")

    lock(page)
    expect(page.locator("body")).not_to_contain_text(WORDS[0])
    page.get_by_label("Passphrase", exact=True).fill("not my passphrase")
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("did not open the app", timeout=SLOW)
    page.reload()
    unlock(page)
    expect(section(page, SUPPORT).get_by_label("Your answer")).to_have_value(WORDS[0])
    expect(section(page, SUPPORT).locator("summary")).to_have_text(f"People this answer is about: {WORDS[2]}")
    expect(section(page, BREAK).get_by_label("I may share this answer with people I choose")).to_be_checked()
    go_to(page, "My allies")
    expect(page.get_by_test_id("ally")).to_contain_text(WORDS[3])
    page.get_by_label("Show").select_option(label="Works with the person who harmed me")
    expect(page.get_by_test_id("ally")).to_have_count(0)
    page.get_by_label("Show").select_option(label="Facilitator")
    expect(page.get_by_test_id("ally")).to_have_count(1)

    dump = indexeddb_dump(page)
    assert dump.count("\n") >= 3, "the test read the app's stores"
    for word in [*WORDS, PASSPHRASE, recovery, "Rewa", "Tama"]:
        assert word not in dump, "IndexedDB holds ciphertext only"
    assert page.title() == "Support Circle"
    assert not problems
    context.close()


def test_the_recovery_key_opens_the_app_and_sets_a_new_passphrase(browser: Browser, app_server: ServerProcess) -> None:
    context, page, problems = open_app(browser, app_server.url)
    recovery = first_run(page, sync=False)
    answer(page, SUPPORT, WORDS[0])
    lock(page)
    page.get_by_role("button", name="I forgot my passphrase").click()
    page.get_by_label("Recovery key", exact=True).fill(recovery)
    page.get_by_label("New passphrase").fill("a brand new passphrase here")
    page.get_by_label("Type it again").fill("a brand new passphrase here")
    page.get_by_role("button", name="Open and set the new passphrase").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My support plan", timeout=SLOW)
    expect(section(page, SUPPORT).get_by_label("Your answer")).to_have_value(WORDS[0])
    lock(page)
    unlock(page, "a brand new passphrase here")
    assert not problems
    context.close()


def test_offline_edit_reaches_the_server_when_back_online(browser: Browser, app_server: ServerProcess) -> None:
    context, page, problems = open_app(browser, app_server.url, offline=True)
    first_run(page)
    expect(page.get_by_test_id("sync-status")).to_have_attribute("data-state", "up-to-date", timeout=SLOW)

    context.set_offline(True)
    page.reload()
    unlock(page)
    answer(page, SUPPORT, WORDS[0])
    page.get_by_role("button", name="Sync now").click()
    status = page.get_by_test_id("sync-status")
    expect(status).to_have_attribute("data-state", "offline", timeout=SLOW)
    expect(status).to_have_attribute("data-waiting", "1")
    page.reload()
    unlock(page)
    expect(section(page, SUPPORT).get_by_label("Your answer")).to_have_value(WORDS[0])

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_have_attribute("data-state", "up-to-date", timeout=SLOW)
    expect(status).to_have_attribute("data-waiting", "0")
    assert not problems
    context.close()


def test_another_organisations_address_is_a_link_to_open_the_app_there(
    browser: Browser, app_server: ServerProcess
) -> None:
    """The app syncs only with its own origin; another address is offered as a plain link, and
    nothing is sent to it unless the person follows it."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(app_server.url)
    page.get_by_text("My organisation gave me another address").click()
    address = page.get_by_label("The address you were given")
    address.fill(app_server.url)
    expect(page.get_by_text("That is the server this app came from already.")).to_be_visible()
    address.fill("circle.example.org")
    link = page.get_by_role("link", name="Open the app at circle.example.org")
    expect(link).to_have_attribute("href", "https://circle.example.org/")
    assert all(url.startswith(app_server.url) for url in requested), "nothing went to another origin"
    context.close()


def test_a_backup_file_brings_the_plan_back_on_a_new_device(browser: Browser, app_server: ServerProcess) -> None:
    context, page, problems = open_app(browser, app_server.url)
    first_run(page, sync=False)
    answer(page, SUPPORT, WORDS[0])
    go_to(page, "Settings")
    with page.expect_download() as saved:
        page.get_by_role("button", name="Save a backup file").click()
    backup = saved.value.path()
    assert WORDS[0].encode() not in backup.read_bytes(), "the backup file is encrypted"

    other_context, other, other_problems = open_app(browser, app_server.url)
    other.get_by_label("Backup file").set_input_files(backup)
    other.get_by_role("button", name="Bring back my backup").click()
    unlock(other)
    expect(section(other, SUPPORT).get_by_label("Your answer")).to_have_value(WORDS[0])
    assert not problems and not other_problems
    context.close()
    other_context.close()
