"""Two of a person's devices (two browser contexts) linked through a real server: the plan moves
over, offline edits to different fields of one ally both survive, and the same field edited on
both keeps the other version visible (PROTOCOL §7 merge rules)."""

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.app_flows import (
    SLOW,
    add_ally,
    answer,
    first_run,
    go_to,
    link_devices,
    open_app,
    section,
    sync_until_removed,
    synced,
)
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

SUPPORT = "Who I go to for support"


def _device(browser: Browser, server: ServerProcess) -> tuple[BrowserContext, Page, list[str]]:
    context, page, problems = open_app(browser, server.url)
    first_run(page)
    return context, page, problems


def _edit_ally(page: Page, name: str, field: str, value: str) -> None:
    go_to(page, "My allies")
    page.get_by_role("button", name=f"Edit: {name}").click()
    page.get_by_label(field).fill(value)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My allies")


def _offline_edits(devices: tuple[tuple[BrowserContext, Page], ...], *edits: tuple[str, str]) -> None:
    """Each device edits one field of Ana while all are offline; then all come back and sync."""
    for context, _ in devices:
        context.set_offline(True)
    for (_, page), (field, value) in zip(devices, edits, strict=True):
        _edit_ally(page, "Ana", field, value)
    for context, _ in devices:
        context.set_offline(False)
    pages = [page for _, page in devices]
    for page in [*pages, pages[0]]:
        synced(page)


def test_linked_devices_share_the_plan_and_merge_offline_edits(browser: Browser, app_server: ServerProcess) -> None:
    phone_context, phone, phone_problems = _device(browser, app_server)
    answer(phone, SUPPORT, "My sister Ana, and Moana on Tuesdays")
    add_ally(phone, "Ana", reach="Signal")
    synced(phone)
    laptop_context, laptop, laptop_problems = _device(browser, app_server)
    link_devices(phone, laptop)
    go_to(laptop, "My plan")
    expect(section(laptop, SUPPORT).get_by_label("Your answer")).to_have_value("My sister Ana, and Moana on Tuesdays")
    go_to(laptop, "My allies")
    expect(laptop.get_by_test_id("ally")).to_contain_text("Signal")

    devices = ((phone_context, phone), (laptop_context, laptop))
    # Different fields of the same person, both devices offline.
    _offline_edits(devices, ("How to reach them", "Signal, after 6pm"), ("When they are available", "Weekends"))
    for page in (phone, laptop):
        page.get_by_role("button", name="Edit: Ana").click()
        expect(page.get_by_label("How to reach them")).to_have_value("Signal, after 6pm")
        expect(page.get_by_label("When they are available")).to_have_value("Weekends")
        page.get_by_role("button", name="Cancel").click()

    # The same field on both: one version wins, the other stays visible as a conflict.
    _offline_edits(
        devices, ("Notes about trust", "Keeps things to herself"), ("Notes about trust", "Told Mum once, by accident")
    )
    for page in (phone, laptop):
        expect(page.get_by_test_id("ally")).to_contain_text("changed this at the same time")
        page.get_by_role("button", name="Edit: Ana").click()
        shown = (
            page.get_by_label("Notes about trust").input_value() + " | " + page.get_by_test_id("conflict").inner_text()
        )
        assert "Keeps things to herself" in shown and "Told Mum once, by accident" in shown, "no words were lost"
        page.get_by_role("button", name="Cancel").click()

    assert not phone_problems and not laptop_problems
    phone_context.close()
    laptop_context.close()


def _devices_listed(page: Page, count: int) -> list[str]:
    """The names of the devices listed once `count` are: the list is read from the server."""
    go_to(page, "Settings")
    page.get_by_role("button", name="Check my devices again").click()
    listed = page.get_by_test_id("linked-device")
    expect(listed).to_have_count(count, timeout=SLOW)
    return [text.split("\n")[0] for text in listed.all_inner_texts()]


def test_a_lost_device_is_named_unlinked_and_erases_itself(browser: Browser, app_server: ServerProcess) -> None:
    phone_context, phone, phone_problems = _device(browser, app_server)
    add_ally(phone, "Ana", reach="Signal")
    synced(phone)
    laptop_context, laptop, laptop_problems = _device(browser, app_server)
    link_devices(phone, laptop)

    laptop.get_by_label("Name of this device").fill("Old laptop")
    laptop.get_by_role("button", name="Save name").click()
    expect(laptop.get_by_role("status").filter(has_text="Saved.")).to_be_visible(timeout=SLOW)
    synced(phone)
    # Renaming synced before "Saved." showed, and the phone has pulled since.
    assert _devices_listed(phone, 2) == ["Linux computer (this device)", "Old laptop"]
    expect(phone.get_by_test_id("linked-device").last).to_contain_text("Last synced today")

    # Focus follows the question and comes back, so a keyboard or screen reader keeps its place.
    phone.get_by_role("button", name="Unlink: Old laptop").click()
    expect(phone.get_by_text("Unlink Old laptop?")).to_be_focused()
    phone.get_by_role("button", name="Keep it").click()
    expect(phone.get_by_role("button", name="Unlink: Old laptop")).to_be_focused()
    phone.keyboard.press("Enter")
    phone.get_by_role("button", name="Yes, unlink it").click()
    expect(phone.get_by_role("status").filter(has_text="Old laptop is unlinked")).to_be_visible(timeout=SLOW)
    assert _devices_listed(phone, 1) == ["Linux computer (this device)"]

    add_ally(phone, "Rua", reach="Phone")
    synced(phone)
    # The phone signed that it unlinked the laptop: the laptop erases itself (test_unlinked_wipe.py).
    sync_until_removed(laptop)
    expect(laptop.get_by_text("Rua")).to_have_count(0)

    assert not phone_problems and not laptop_problems
    phone_context.close()
    laptop_context.close()
