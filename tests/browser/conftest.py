"""Playwright driving Debian's Chromium against a real server process started by the tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.browser.app_flows import first_run, go_to, open_app, settled, unlock
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
# Where "Leave now" takes a person.
NEUTRAL_PAGE = "/recipes.html"

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


def _serving(folder: Path, env: dict[str, str] | None = None) -> Iterator[ServerProcess]:
    if not (DIST / "index.html").is_file():
        pytest.fail("The app is not built: run 'make test', which builds it (or: cd frontend && npm run build)")
    server = ServerProcess(data_dir=folder / "data", static_dir=DIST, env=env or {})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The server with the built PWA and its own SQLite database, started once for all the browser
    tests, as one server serves many people: each test brings its own people on their own devices
    (browser contexts) and checks what they see. Starting a server costs seconds on a loaded
    machine. A test that stops the server, or reads its whole database, takes `own_server`."""
    yield from _serving(tmp_path_factory.mktemp("app-server"))


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server like `app_server` for this test alone."""
    yield from _serving(tmp_path)


@pytest.fixture(scope="package")
def code_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The server with the built PWA, letting a device register only with a registration code;
    shared like `app_server`, so its statistics are compared before and after, never as totals."""
    yield from _serving(tmp_path_factory.mktemp("code-server"), {"REGISTRATION": "code"})


@pytest.fixture(autouse=True)
def _no_device_outlives_its_test(browser: Browser) -> Iterator[None]:
    """Closes every browser context a test opened and left open (one that failed half-way, say), so
    no app of one test goes on syncing with the shared server while the next counts what it holds."""
    before = set(browser.contexts)
    yield
    for context in browser.contexts:
        if context not in before:
            context.close()


@pytest.fixture(scope="module")
def _survivor_app(browser: Browser, app_server: ServerProcess) -> Iterator[tuple[Page, list[str]]]:
    """One person's app, set up once for a module's tests (a first run costs seconds of Argon2id),
    with the problems its page reports."""
    context, page, problems = open_app(browser, app_server.url)
    first_run(page)
    settled(page)
    yield page, problems
    context.close()


@pytest.fixture
def survivor(_survivor_app: tuple[Page, list[str]], app_server: ServerProcess) -> Iterator[Page]:
    """A person's app on a device set up with sync on, open at their plan and up to date: the same
    app for every test of a module, brought back to its plan (and unlocked, after a test that left)
    before each. Script errors and CSP violations it reports fail the test they came in."""
    page, problems = _survivor_app
    if not page.url.startswith(app_server.url) or page.url.endswith(NEUTRAL_PAGE):
        page.goto(app_server.url)
        unlock(page)
    elif page.get_by_role("heading", level=1).inner_text() == "Welcome back":
        unlock(page)
    go_to(page, "My plan")
    settled(page)
    yield page
    seen = list(problems)
    problems.clear()
    assert not seen, seen
