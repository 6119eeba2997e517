"""A device unlinked from another of the person's devices erases itself the next time it reaches
the server, on the notice that device signed (PROTOCOL.md §17) — and never on a bare "not found",
which a server or a network could make up."""

import sqlite3

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.app_flows import (
    SLOW,
    add_ally,
    first_run,
    go_to,
    link_devices,
    sync_until_removed,
    synced,
    watch_problems,
)
from tests.browser.test_wipe import _NOTHING, _kept
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _device(
    browser: Browser, server: ServerProcess, *, workers: bool = False
) -> tuple[BrowserContext, Page, list[str]]:
    # The removed device keeps its offline copy (service worker, caches): the wipe must take them too.
    context = browser.new_context(viewport=PHONE, service_workers="allow" if workers else "block")
    page = context.new_page()
    problems = watch_problems(page)
    page.goto(server.url)
    first_run(page)
    return context, page, problems


def _unlink(phone: Page, name: str) -> None:
    go_to(phone, "Settings")
    phone.get_by_role("button", name="Check my devices again").click()
    phone.get_by_role("button", name=f"Unlink: {name}").click()
    phone.get_by_role("button", name="Yes, unlink it").click()
    expect(phone.get_by_role("status").filter(has_text=f"{name} is unlinked")).to_be_visible(timeout=SLOW)


def _linked_pair(browser: Browser, server: ServerProcess) -> tuple[Page, Page, list[str]]:
    _, phone, phone_problems = _device(browser, server)
    add_ally(phone, "Ana", reach="Signal")
    synced(phone)
    _, lost, lost_problems = _device(browser, server, workers=True)
    link_devices(phone, lost)
    lost.get_by_label("Name of this device").fill("Lost phone")
    lost.get_by_role("button", name="Save name").click()
    expect(lost.get_by_role("status").filter(has_text="Saved.")).to_be_visible(timeout=SLOW)
    synced(phone)
    return phone, lost, phone_problems + lost_problems


def test_an_unlinked_device_erases_itself_when_it_next_reaches_the_server(
    browser: Browser, app_server: ServerProcess
) -> None:
    phone, lost, problems = _linked_pair(browser, app_server)
    lost.wait_for_function("navigator.serviceWorker.ready.then(() => caches.keys()).then((k) => k.length > 0)")
    before = _kept(lost)
    assert before["databases"] and before["caches"] and before["workers"], before

    _unlink(phone, "Lost phone")
    sync_until_removed(lost)
    expect(lost.get_by_text("unlinked by another of your devices")).to_be_visible()
    expect(lost.get_by_text("Ana")).to_have_count(0)
    expect(lost.get_by_test_id("offline-status")).to_have_attribute("data-state", "removed", timeout=SLOW)
    assert _kept(lost) == _NOTHING
    # Not even a reload brings anything back: it starts as a new device would.
    lost.reload()
    expect(lost.get_by_role("heading", level=1)).to_have_text("A private place for your support plan", timeout=SLOW)
    assert problems == []


def test_a_device_dropped_without_a_signed_notice_keeps_everything(browser: Browser, own_server: ServerProcess) -> None:
    phone, lost, problems = _linked_pair(browser, own_server)
    # Offline while it is unlinked, so it cannot fetch the notice before the server drops it.
    lost.context.set_offline(True)
    _unlink(phone, "Lost phone")
    # The server withholds the notice (or never had one): all the device sees is "not found".
    with sqlite3.connect(own_server.data_dir / "support-circle.sqlite3") as db:
        assert db.execute("DELETE FROM unlinked_notice").rowcount == 1
    lost.context.set_offline(False)

    lost.get_by_role("button", name="Sync now").click()
    status = lost.get_by_test_id("sync-status")
    expect(status).to_contain_text("it was unlinked by another of your devices", timeout=SLOW)
    go_to(lost, "My allies")
    expect(lost.get_by_test_id("ally")).to_contain_text("Ana")
    assert _kept(lost)["databases"]
    assert problems == []
