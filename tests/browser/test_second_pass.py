"""A second pass over the survivor's app in Chromium against a real server: which passphrases are
refused, where focus lands, what the unlock screen says while it makes the person wait, what a
passphrase change means for old backups, what "Leave now" may cover, registration codes, and
turning a device down.

Unlocking costs seconds of Argon2id, so each test walks one long path and checks several things
on the way. Each check is named; a failure names every one that failed, not only the first."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.browser.app_flows import (
    FIRST_RUN_HEADING,
    PASSPHRASE,
    SLOW,
    answer,
    first_run,
    go_to,
    keep_recovery_key,
    lock,
    open_app,
    unlock,
    wrong_try,
)
from tests.browser.conftest import DIST
from tests.support.operator import count, registration_code
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

NEW_PASSPHRASE = "harbour violet thimble orchard"
WAIT = re.compile(r"try again in \d+ seconds?")
OLD_BACKUPS = "still open with your old passphrase"

# Is the element `el` (or what it describes) inside a live region, which a screen reader reads
# out whenever it changes?
_IN_LIVE_REGION = """el => el.closest(
    '[aria-live]:not([aria-live="off"]), [role=alert], [role=status], [role=log], [role=timer], [role=marquee]'
) !== null"""

# Every visible element of the page's header and screen whose box meets the "Leave now" button's.
_UNDER_THE_EXIT_BUTTON = """() => {
    const exit = document.querySelector('[data-testid=quick-exit]').getBoundingClientRect();
    const hits = [];
    for (const el of document.querySelectorAll('header *, main *')) {
        const box = el.getBoundingClientRect();
        if (box.width <= 1 || box.height <= 1 || getComputedStyle(el).visibility === 'hidden') continue;
        if (box.left < exit.right && box.right > exit.left && box.top < exit.bottom && box.bottom > exit.top) {
            const what = `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}"`;
            hits.push(`${what} at x ${Math.round(box.left)}-${Math.round(box.right)}`);
        }
    }
    return hits;
}"""


class Checks:
    """Named checks along one path; the test fails at the end with every one that failed."""

    def __init__(self) -> None:
        self.failed: dict[str, str] = {}

    @contextmanager
    def check(self, name: str) -> Iterator[None]:
        try:
            yield
        except (AssertionError, PlaywrightError) as failure:
            self.failed[name] = str(failure).splitlines()[0]

    def assert_all_passed(self) -> None:
        assert self.failed == {}, "\n".join(f"{name}: {why}" for name, why in self.failed.items())


def _focused_entry(page: Page) -> Locator:
    """The person's entry in the allies list that holds the focus."""
    return page.locator("[data-testid=ally]:focus-within")


def _fully_selected(page: Page) -> bool:
    return page.evaluate(
        """() => { const el = document.activeElement;
            return el.value.length > 0 && el.selectionStart === 0 && el.selectionEnd === el.value.length; }"""
    )


def test_one_device_from_first_run_to_the_wait_after_wrong_tries(browser: Browser, app_server: ServerProcess) -> None:
    checks = Checks()
    context = browser.new_context(service_workers="block", viewport={"width": 320, "height": 640})
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(app_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_RUN_HEADING)
    estimator = re.compile(r"/assets/strength-[\w-]+\.js$")
    with checks.check("8: the estimator's lists are neither precached nor fetched before a passphrase is typed"):
        precached = re.findall(r'url:"([^"]+)"', (DIST / "sw.js").read_text())
        assert precached and not [url for url in precached if estimator.search("/" + url)], "not in the precache"
        assert not [url for url in fetched if estimator.search(url)], "not fetched yet"
    # "sunshine" passed the old rough estimate as merely weak; "password" even there.
    for common in ("password", "sunshine"):
        page.get_by_label("Passphrase", exact=True).fill(common)
        page.get_by_label("Type it again").fill(common)
        with checks.check(f"8: {common!r} is refused, not merely warned about"):
            expect(page.get_by_text("one of the passphrases people try first")).to_be_visible()
            expect(page.get_by_role("button", name="Set up my private space")).to_be_disabled()
    first_run(page, sync=False)

    go_to(page, "My allies")
    page.get_by_role("button", name="Add a person").click()
    page.get_by_role("button", name="Save").click()
    name = page.get_by_label("Name or nickname")
    with checks.check("3: a missing name takes the person to the field, its message in view and tied to it"):
        expect(name).to_be_focused()
        expect(name).to_have_attribute("aria-invalid", "true")
        message = page.get_by_text("Please give a name or a nickname")
        expect(message).to_be_in_viewport()
        described = (name.get_attribute("aria-describedby") or "").split()
        assert message.get_attribute("id") in described, "the message is read with the field"
    name.fill("Ana")
    with checks.check("3: the field is no longer marked wrong once a name is typed"):
        expect(name).to_have_attribute("aria-invalid", "false")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My allies")
    with checks.check("5: after saving a new person, focus is on their entry in the list"):
        expect(_focused_entry(page)).to_contain_text("Ana")
    page.get_by_role("button", name="Edit: Ana").click()
    page.get_by_label("How to reach them").fill("Signal")
    page.get_by_role("button", name="Save").click()
    with checks.check("5: after saving an edit, focus is on that person's entry"):
        expect(_focused_entry(page)).to_contain_text("Signal")

    go_to(page, "Settings")
    change = page.get_by_role("form", name="Change passphrase")
    change.get_by_label("Current passphrase").fill(PASSPHRASE)
    change.get_by_label("New passphrase").fill(NEW_PASSPHRASE)
    change.get_by_label("Type it again").fill(NEW_PASSPHRASE)
    change.get_by_role("button", name="Change passphrase").click()
    expect(change.get_by_text("Your passphrase has been changed.")).to_be_visible(timeout=SLOW)
    with checks.check("7: every passphrase field is empty after the change"):
        for field in ("Current passphrase", "New passphrase", "Type it again"):
            expect(change.get_by_label(field)).to_have_value("")
    with checks.check("10: old backups still open with the old passphrase, said by the message and the backup"):
        expect(change).to_contain_text(OLD_BACKUPS)
        expect(page.get_by_role("region", name="Backup")).to_contain_text(OLD_BACKUPS)

    with checks.check("9: Leave now covers nothing on the screen, at any width"):
        for width in (320, 390, 768, 1024, 1280):
            page.set_viewport_size({"width": width, "height": 700})
            # On a phone the bar sits at the bottom, over what scrolls on; on a computer, at the top.
            ends = ["document.documentElement.scrollHeight"] + (["0"] if width >= 768 else [])
            for where in ends:
                page.evaluate(f"window.scrollTo(0, {where})")
                covered = page.evaluate(_UNDER_THE_EXIT_BUTTON)
                assert covered == [], f"at {width} px, scrolled to {where}: {covered}"
        page.set_viewport_size({"width": 320, "height": 640})

    page.reload()
    unlock(page, NEW_PASSPHRASE)
    with checks.check("5: after unlocking, focus is on the screen's heading"):
        expect(page.get_by_role("heading", level=1)).to_be_focused()

    lock(page)
    passphrase = page.get_by_label("Passphrase", exact=True)
    wrong_try(page, "not my passphrase", tap=True)
    with checks.check("6: after a wrong passphrase, the field has the focus, its text selected to type over"):
        expect(passphrase).to_be_focused()
        assert _fully_selected(page), "the text is selected"
    wrong_try(page, "still not it")
    wrong_try(page, "nor this one")  # the third in a row: now the app makes the person wait
    countdown = page.get_by_text(WAIT)
    with checks.check("7: the wait is said once as an alert; the countdown itself is not read out every second"):
        expect(countdown).to_be_visible()
        alert = page.get_by_role("alert").inner_text()
        shown = countdown.inner_text()
        expect(countdown).not_to_have_text(shown)
        assert page.get_by_role("alert").inner_text() == alert, "the alert did not change with the countdown"
        assert not countdown.evaluate(_IN_LIVE_REGION), "the countdown is in no live region"
    passphrase.fill("wrong again")
    expect(page.get_by_role("button", name="Open", exact=True)).to_be_enabled(timeout=SLOW)
    wrong_try(page, "wrong again")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    passphrase.fill(NEW_PASSPHRASE)
    with checks.check("4: after a reload during the wait, the screen says why Open waits, and for how long"):
        expect(countdown).to_be_visible()
        expect(page.get_by_text("wrong passphrase")).to_be_visible()
        expect(page.get_by_role("button", name="Open", exact=True)).to_be_disabled()
        described = " ".join(filter(None, [passphrase.get_attribute("aria-describedby")]))
        assert described != "" and countdown.get_attribute("id") in described.split(), "read with the field"
    checks.assert_all_passed()
    context.close()


def test_a_registration_code_and_turning_a_device_down(browser: Browser, code_server: ServerProcess) -> None:
    checks = Checks()
    devices = count(code_server, "devices")
    code = registration_code(code_server, uses=2)

    laptop_context, laptop, _ = open_app(browser, code_server.url)
    first_run(laptop)
    # A device with nothing to keep never registers; an answer makes it try.
    answer(laptop, "Who I go to for support", "My sister Ana")
    status = laptop.get_by_test_id("sync-status")
    laptop.get_by_role("button", name="Sync now").click()
    expect(status).to_have_attribute("data-state", "error", timeout=SLOW)
    expect(status).to_contain_text("registration code")
    go_to(laptop, "Settings")
    with checks.check("2: a code typed in Settings lets this device register and sync"):
        laptop.get_by_label("Registration code").fill(code)
        laptop.get_by_role("form", name="Settings").get_by_role("button", name="Save").click()
        expect(status).to_have_attribute("data-state", "up-to-date", timeout=SLOW)

    phone_context, phone, _ = open_app(browser, code_server.url)
    expect(phone.get_by_role("heading", level=1)).to_have_text(FIRST_RUN_HEADING)
    with checks.check("2: a code can be typed at first run, asked only when the app syncs"):
        sync_box = phone.get_by_label("Keep a copy in sync with the server this app came from")
        expect(phone.get_by_label("Registration code")).to_be_visible()
        sync_box.uncheck()
        expect(phone.get_by_label("Registration code")).to_have_count(0)
        sync_box.check()
        phone.get_by_label("Registration code").fill(code)
    phone.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    phone.get_by_label("Type it again").fill(PASSPHRASE)
    phone.get_by_role("button", name="Set up my private space").click()
    keep_recovery_key(phone)
    expect(phone.get_by_role("heading", level=1)).to_have_text("My support plan")

    laptop.get_by_role("button", name="Make a link for my other device").click()
    link = laptop.get_by_test_id("device-link").inner_text()
    go_to(phone, "Settings")
    phone.get_by_label("Link from my other device").fill(link)
    phone.get_by_role("button", name="Ask to join").click()
    with checks.check("2: the code typed at first run lets the new device register: it can ask to join"):
        expect(phone.get_by_test_id("join-status")).to_contain_text("safety number", timeout=SLOW)
        # Both devices, and the recovery identity the laptop registered signed in, with no code (§15);
        # the phone has no circle of its own yet, so no recovery identity either.
        assert count(code_server, "devices") == devices + 3, "the server keeps both devices"
    laptop.get_by_role("button", name="Check for devices asking to join").click()
    request = laptop.get_by_test_id("link-request")
    expect(request).to_have_count(1, timeout=SLOW)
    with checks.check("1: a device asking to be linked can be turned down, and is told so"):
        request.get_by_role("button", name="Turn down").click()
        expect(laptop.get_by_test_id("link-request")).to_have_count(0, timeout=SLOW)
        expect(laptop.get_by_role("status").filter(has_text="Turned down")).to_be_visible()
    with checks.check("5: once a request is answered, focus goes back to checking for requests"):
        expect(laptop.get_by_role("button", name="Check for devices asking to join")).to_be_focused()
    with checks.check("1: the device turned down is told so"):
        expect(phone.get_by_role("alert")).to_contain_text("did not approve this one", timeout=SLOW)
    with checks.check("1: the link is spent: asking with it again reaches no one"):
        pending = count(code_server, "pending join requests")
        phone.get_by_role("button", name="Ask to join").click()
        # Turning the request down withdrew the single-use link at the server too.
        expect(phone.get_by_role("alert")).to_contain_text("This invite link no longer works", timeout=SLOW)
        assert count(code_server, "pending join requests") == pending
        laptop.get_by_role("button", name="Check for devices asking to join").click()
        expect(laptop.get_by_text("No device is asking to join right now.")).to_be_visible(timeout=SLOW)
    checks.assert_all_passed()
    laptop_context.close()
    phone_context.close()
