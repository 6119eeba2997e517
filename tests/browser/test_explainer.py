"""The page a survivor sends to a possible facilitator: it passes axe on a computer and at 320 px,
holds nothing of anyone's, and the app sends its link from the circles screen."""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.app_flows import first_run, go_to, watch_problems
from tests.browser.test_accessibility import AXE, AXE_TAGS, COMPUTER, NARROW
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

PAGE = "/about/facilitating"


@pytest.mark.parametrize("options", [COMPUTER, NARROW], ids=["computer", "320px"])
def test_the_explainer_passes_axe_and_loads_nothing_from_elsewhere(
    browser: Browser, app_server: ServerProcess, options: dict[str, object]
) -> None:
    context = browser.new_context(service_workers="block", **options)  # type: ignore[arg-type]
    context.add_init_script(path=AXE)
    page = context.new_page()
    problems = watch_problems(page)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(app_server.url + PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Would you help facilitate?")
    expect(page.get_by_role("heading", name="Anyone can facilitate")).to_be_visible()
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    assert [v["id"] for v in result["violations"]] == []
    assert all(url.startswith(app_server.url) for url in requests), requests
    assert page.evaluate("document.cookie") == "" and page.evaluate("localStorage.length") == 0
    assert problems == []
    context.close()


def test_the_app_sends_the_explainer_link(browser: Browser, app_server: ServerProcess) -> None:
    context = browser.new_context(service_workers="block", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems = watch_problems(page)
    page.goto(app_server.url)
    first_run(page)
    go_to(page, "Circles")
    expect(page.get_by_role("heading", name="Looking for a facilitator?")).to_be_visible()
    # Desktop Chromium on Linux has no share sheet: the link is copied instead.
    page.get_by_role("button", name="Send them the explanation").click()
    expect(page.get_by_text("The link is copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == app_server.url + PAGE
    assert problems == []
    context.close()
