"""Playwright driving Debian's Chromium against a real server process started by the tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.browser.app_flows import first_run, open_app, settled
from tests.conftest import REPO, unavailable
from tests.support.server import ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
DIST = REPO / "frontend" / "dist"

pytestmark = pytest.mark.browser

# Two cores run the server, Chromium and pytest at once; the default 5 s is tight under load.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (as root: apt-get install chromium)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def app_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The server with the built PWA and its own SQLite database."""
    if not (DIST / "index.html").is_file():
        pytest.fail("The app is not built: run 'make test', which builds it (or: cd frontend && npm run build)")
    server = ServerProcess(data_dir=tmp_path / "data", static_dir=DIST)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def code_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The server with the built PWA, letting a device register only with a registration code."""
    server = ServerProcess(data_dir=tmp_path / "data", static_dir=DIST, env={"REGISTRATION": "code"})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def survivor(browser: Browser, app_server: ServerProcess) -> Iterator[Page]:
    """A person's app, set up on a new device with sync on and up to date. Script errors and CSP
    violations it reports fail the test."""
    context, page, problems = open_app(browser, app_server.url)
    first_run(page)
    settled(page)
    yield page
    context.close()
    assert not problems, problems
