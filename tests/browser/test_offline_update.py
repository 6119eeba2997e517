"""A new version of the offline app is offered, and taken only when the person says so."""

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.app_flows import open_app
from tests.browser.conftest import DIST
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

WAITING = "async () => (await navigator.serviceWorker.getRegistration())?.waiting != null"


@pytest.fixture
def copy_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of a copy of the built app, which the test changes as a new release would."""
    if not (DIST / "index.html").is_file():
        pytest.fail("The app is not built: run 'make build'")
    shutil.copytree(DIST, tmp_path / "dist")
    server = ServerProcess(data_dir=tmp_path / "data", static_dir=tmp_path / "dist")
    server.start()
    yield server
    server.stop()


def test_a_new_version_waits_until_the_person_takes_it(browser: Browser, copy_server: ServerProcess) -> None:
    context, page, _ = open_app(browser, copy_server.url, offline=True)
    update = page.get_by_role("region", name="A new version of the app is ready.")
    expect(update).to_have_count(0)

    # A release changes the service worker; the browser finds it when the app is next opened.
    worker = copy_server.static_dir / "sw.js"
    worker.write_text(worker.read_text() + "\n// the next release\n")
    page.reload()
    expect(update).to_be_visible()
    assert page.evaluate(WAITING), "the new version waits: nothing is forced on the person"

    update.get_by_role("button", name="Later").click()
    expect(update).to_have_count(0)
    page.reload()
    expect(update).to_be_visible()

    page.evaluate("() => { window.beforeTheUpdate = true }")
    update.get_by_role("button", name="Update now").click()
    page.wait_for_function("() => window.beforeTheUpdate === undefined")
    expect(page.get_by_role("heading", level=1)).to_have_text("A private place for your support plan")
    expect(update).to_have_count(0)
    assert not page.evaluate(WAITING), "the new version took over"
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    context.close()


def test_the_estimator_kept_for_offline_use_replaces_the_one_before(
    browser: Browser, app_server: ServerProcess
) -> None:
    context, page, _ = open_app(browser, app_server.url, offline=True)
    # What a previous release fetched and kept.
    page.evaluate("async () => (await caches.open('on-demand')).put('/assets/strength-0ld.js', new Response(''))")

    page.get_by_label("Passphrase", exact=True).fill("password")
    expect(page.get_by_text("one of the passphrases people try first")).to_be_visible()
    # The worker keeps the file after answering with it: watch the cache until it holds one estimator.
    page.evaluate(
        """() => { const look = async () => {
            window.keptEstimators = (await (await caches.open('on-demand')).keys()).map((r) => r.url);
            setTimeout(look, 100); }; look(); }"""
    )
    page.wait_for_function("() => window.keptEstimators?.some((url) => !url.endsWith('-0ld.js'))")
    page.wait_for_function("() => window.keptEstimators.length === 1")
    [url] = page.evaluate("() => window.keptEstimators")
    assert re.search(r"/assets/strength-[\w-]+\.js$", url) and not url.endswith("-0ld.js"), url
    context.close()
