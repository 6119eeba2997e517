"""An app vault and a backup file made by the v1 release (tests/fixtures/v1/, generated once by
make_fixtures.py from v1's app in Chromium, with the server's database as it was) keep working
with today's app and server: they unlock, show the plan and allies, and sync."""

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.app_flows import (
    FIRST_RUN_HEADING,
    add_ally,
    first_run,
    go_to,
    link_devices,
    section,
    synced,
    unlock,
    watch_problems,
)
from tests.browser.conftest import DIST
from tests.support.server import ServerProcess
from tests.upgrade import browser_store
from tests.upgrade.v1 import FIXTURES, load

pytestmark = pytest.mark.browser

APP = load("app.json")
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


@pytest.fixture
def v1_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """Today's server on the database the v1 server kept for that app (its device, personal
    circle, records and escrow), upgraded by the server's own migrations as it starts."""
    (tmp_path / "data").mkdir()
    database = sqlite3.connect(tmp_path / "data" / "support-circle.sqlite3")
    database.executescript((FIXTURES / "app-server.sql").read_text())
    database.close()
    # At the address the v1 app synced with: the app syncs only with the origin it keeps.
    server = ServerProcess(data_dir=tmp_path / "data", static_dir=DIST, port=APP["port"])
    server.start()
    yield server
    server.stop()


def _phone(browser: Browser, url: str) -> tuple[Page, list[str]]:
    context = browser.new_context(service_workers="block", **PHONE)
    page = context.new_page()
    problems = watch_problems(page)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_RUN_HEADING)
    return page, problems


def _shows_the_v1_plan(page: Page) -> None:
    go_to(page, "My plan")
    for title, words in APP["plan"].items():
        expect(section(page, title).get_by_label("Your answer")).to_have_value(words)
    go_to(page, "My allies")
    expect(page.get_by_test_id("ally")).to_contain_text(APP["ally"]["reach"])


def test_a_v1_vault_unlocks_syncs_and_links_a_device_of_todays_app(browser: Browser, v1_server: ServerProcess) -> None:
    """Fixture made by the v1 release: the app's IndexedDB and localStorage, and the server's rows."""
    page, problems = _phone(browser, v1_server.url)
    stored: dict[str, Any] = json.loads((FIXTURES / "app-vault.json").read_text())
    browser_store.load(page, stored)
    page.reload()
    unlock(page, APP["passphrase"])
    _shows_the_v1_plan(page)
    synced(page)

    new, new_problems = _phone(browser, v1_server.url)
    first_run(new)
    link_devices(page, new)
    _shows_the_v1_plan(new)
    add_ally(new, "Ally Two", reach="Call after six")
    synced(new)
    synced(page)
    go_to(page, "My allies")
    expect(page.get_by_test_id("ally")).to_have_count(2)
    expect(page.get_by_test_id("ally").filter(has_text="Ally Two")).to_contain_text("Call after six")
    assert not problems and not new_problems


def test_a_v1_backup_file_brings_the_plan_back_on_a_new_device(browser: Browser, v1_server: ServerProcess) -> None:
    """Fixture made by the v1 release: the backup file its app exported, and its passphrase."""
    page, problems = _phone(browser, v1_server.url)
    page.get_by_label("Backup file").set_input_files(FIXTURES / "app-backup.json")
    page.get_by_role("button", name="Bring back my backup").click()
    unlock(page, APP["passphrase"])
    _shows_the_v1_plan(page)
    add_ally(page, "Ally Two", reach="Call after six")
    synced(page)
    assert not problems
