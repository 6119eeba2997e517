"""Recovery on a new device (PROTOCOL §15): the recovery key of a device that synced brings the
plan to a new browser through the real server, and the old device is unlinked."""

import sqlite3
import time
from collections.abc import Callable
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
    keep_recovery_key,
    link_devices,
    open_app,
    section,
    synced,
)
from tests.support.operator import count, registration_code
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

SUPPORT = "Who I go to for support"
NEW_PASSPHRASE = "harbour fern candle morning"


def _bring_plan_here(page: Page, recovery_key: str) -> None:
    """On the recovery screen (opened from the first run's if not there yet): brings the plan."""
    if not page.get_by_label("Recovery key", exact=True).count():
        expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_RUN_HEADING)
        page.get_by_role("button", name="I used the app on another device").click()
    page.get_by_label("Recovery key", exact=True).fill(recovery_key)
    page.get_by_label("New passphrase", exact=True).fill(NEW_PASSPHRASE)
    page.get_by_label("Type it again").fill(NEW_PASSPHRASE)
    page.get_by_role("button", name="Bring my plan here").click()


def test_the_recovery_key_brings_the_plan_to_a_new_device_and_unlinks_the_old_one(
    browser: Browser, app_server: ServerProcess
) -> None:
    lost_context, lost, lost_problems = open_app(browser, app_server.url)
    old_key = first_run(lost, passphrase=PASSPHRASE)
    answer(lost, SUPPORT, "My neighbour Tui")
    add_ally(lost, "Tui", reach="Knock twice")
    synced(lost)
    # A laptop linked from the lost phone: perhaps the person's own, perhaps not. Recovery leaves it
    # linked and asks the person to look.
    laptop_context, laptop, laptop_problems = open_app(browser, app_server.url)
    first_run(laptop)
    link_devices(lost, laptop)

    new_context, new, new_problems = open_app(browser, app_server.url)
    _bring_plan_here(new, old_key)
    expect(new.get_by_role("heading", level=1)).to_have_text("Your recovery key", timeout=SLOW)
    assert keep_recovery_key(new) != old_key
    expect(section(new, SUPPORT).get_by_label("Your answer")).to_have_value("My neighbour Tui", timeout=SLOW)
    go_to(new, "My allies")
    expect(new.get_by_test_id("ally")).to_contain_text("Knock twice")
    synced(new)
    check = new.get_by_role("region", name="Check your devices")
    expect(check).to_contain_text("Other devices are still linked to your plan")
    check.get_by_role("button", name="Check my devices").click()
    expect(new.get_by_role("heading", level=1)).to_have_text("Settings")
    expect(new.get_by_test_id("linked-device")).to_have_count(2, timeout=SLOW)
    expect(check).to_have_count(0)

    # The old device gets nothing new, and says why.
    add_ally(new, "Moana", reach="After work")
    synced(new)
    lost.get_by_role("button", name="Sync now").click()
    expect(lost.get_by_test_id("sync-status")).to_contain_text("no longer syncs", timeout=SLOW)
    go_to(lost, "My allies")
    expect(lost.get_by_test_id("ally")).to_have_count(1)
    expect(lost.get_by_test_id("ally")).to_contain_text("Tui")

    # The old key is spent at the server: a third device is told plainly, and nothing is set up.
    third_context, third, third_problems = open_app(browser, app_server.url)
    _bring_plan_here(third, old_key)
    expect(third.get_by_role("alert")).to_contain_text("This server has no plan for that recovery key", timeout=SLOW)
    third.get_by_role("button", name="Back to setting up a new plan").click()
    expect(third.get_by_role("heading", level=1)).to_have_text(FIRST_RUN_HEADING)

    assert not lost_problems and not new_problems and not laptop_problems and not third_problems
    for context in (lost_context, new_context, third_context, laptop_context):
        context.close()


def test_a_new_recovery_key_retires_the_old_one_at_the_server(browser: Browser, app_server: ServerProcess) -> None:
    before = _escrows(app_server)
    phone_context, phone, problems = open_app(browser, app_server.url)
    old_key = first_run(phone)
    add_ally(phone, "Tui", reach="Knock twice")
    synced(phone)
    (old_id,) = set(_escrows(app_server)) - set(before)

    go_to(phone, "Settings")
    form = phone.get_by_role("form", name="A new recovery key")
    form.get_by_label("Current passphrase").fill(PASSPHRASE)
    form.get_by_role("button", name="Make a new recovery key").click()
    replaced = keep_recovery_key(phone, "new-recovery-key")
    assert replaced != old_key
    synced(phone)
    # The sync that retires the old key may still run when the status first says up to date.
    _until(lambda: old_id not in _escrows(app_server))

    other_context, other, other_problems = open_app(browser, app_server.url)
    _bring_plan_here(other, old_key)
    expect(other.get_by_role("alert")).to_contain_text("This server has no plan for that recovery key", timeout=SLOW)
    other.get_by_label("Recovery key", exact=True).fill(replaced)
    other.get_by_role("button", name="Bring my plan here").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Your recovery key", timeout=SLOW)

    assert not problems and not other_problems
    phone_context.close()
    other_context.close()


def test_recovery_on_a_server_that_asks_for_a_code_takes_one(browser: Browser, code_server: ServerProcess) -> None:
    """The new device registers as it takes the plan over: on a server that asks for a
    registration code (the default for an organisation), the recovery screen takes one too."""
    devices = count(code_server, "devices")
    code = registration_code(code_server, uses=2)
    lost_context, lost, lost_problems = open_app(browser, code_server.url)
    expect(lost.get_by_role("heading", level=1)).to_have_text(FIRST_RUN_HEADING)
    lost.get_by_label("Registration code").fill(code)
    old_key = first_run(lost, passphrase=PASSPHRASE)
    answer(lost, SUPPORT, "My neighbour Tui")
    synced(lost)

    new_context, new, new_problems = open_app(browser, code_server.url)
    expect(new.get_by_role("heading", level=1)).to_have_text(FIRST_RUN_HEADING)
    new.get_by_role("button", name="I used the app on another device").click()
    new.get_by_label("Registration code").fill(code)
    _bring_plan_here(new, old_key)
    expect(new.get_by_role("heading", level=1)).to_have_text("Your recovery key", timeout=SLOW)
    keep_recovery_key(new)
    expect(section(new, SUPPORT).get_by_label("Your answer")).to_have_value("My neighbour Tui", timeout=SLOW)
    synced(new)
    # Both devices, each with the recovery identity it registered signed in, with no code (§15).
    assert count(code_server, "devices") == devices + 4
    assert not lost_problems and not new_problems
    lost_context.close()
    new_context.close()


def test_an_old_copy_of_the_recovery_backup_served_back_is_named(browser: Browser, app_server: ServerProcess) -> None:
    """The server keeps the escrow as it was and serves it again after the phone put a newer one
    (issue 15, attack 4): the phone's next sync stops and says so in plain words."""
    before = _escrows(app_server)
    phone_context, phone, problems = open_app(browser, app_server.url)
    first_run(phone)
    add_ally(phone, "Tui", reach="Knock twice")
    synced(phone)
    (escrow_id,) = set(_escrows(app_server)) - set(before)
    old_copy = _escrows(app_server)[escrow_id]
    laptop_context, laptop, laptop_problems = open_app(browser, app_server.url)
    first_run(laptop)
    link_devices(phone, laptop)  # the log's head moves on: the phone puts its escrow again
    synced(phone)
    assert _escrows(app_server)[escrow_id] != old_copy

    with closing(sqlite3.connect(app_server.data_dir / "support-circle.sqlite3")) as db, db:
        db.execute("UPDATE recovery_escrow SET escrow = ? WHERE id = ?", (old_copy, escrow_id))
    phone.get_by_role("button", name="Sync now").click()
    status = phone.get_by_test_id("sync-status")
    expect(status).to_contain_text("old copy of your recovery backup", timeout=SLOW)
    expect(status).to_contain_text("Make a new recovery key")
    assert not problems and not laptop_problems
    phone_context.close()
    laptop_context.close()


def _escrows(server: ServerProcess) -> dict[str, str]:
    with closing(sqlite3.connect(server.data_dir / "support-circle.sqlite3")) as db:
        return dict(db.execute("SELECT id, escrow FROM recovery_escrow").fetchall())


def _until(done: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
