"""What a person does in the app, step by step, for the browser tests (by role and label, as a
screen reader would find things)."""

import json
import re
from contextlib import suppress
from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

PASSPHRASE = "kettle moss river lantern"
FIRST_RUN_HEADING = "A private place for your support plan"
# Argon2id at the real cost (64 MiB, t=3) takes a few seconds in a test browser on this machine.
SLOW = 60_000


def watch_problems(page: Page) -> list[str]:
    """Script errors and CSP violations the page reports, collected for an assertion at the end."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: _note(message, problems))
    return problems


def open_app(browser: Browser, url: str, *, offline: bool = False) -> tuple[BrowserContext, Page, list[str]]:
    """A new browser context (one of a person's devices, or another person's) at the app, its
    problems watched from the start. ``offline``: with its service worker, returned once the worker
    controls the page and the app says it works offline."""
    context = browser.new_context(service_workers="allow" if offline else "block")
    page = context.new_page()
    problems = watch_problems(page)
    page.goto(url)
    if offline:
        controlled(page)
        expect(page.get_by_test_id("offline-status")).to_have_attribute("data-state", "ready")
    return context, page, problems


def controlled(page: Page) -> None:
    """Waits until the service worker controls the page, which it then answers from the precache.
    As long as a slow step may take: the worker registers once the page has loaded (Workbox's
    default) and fetches the whole app shell first, which on a loaded machine took over 15 s."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=SLOW)


def _note(message: ConsoleMessage, problems: list[str]) -> None:
    # Chromium logs every failed request (offline, or a 404 the app expects and handles); the
    # app's own errors and CSP violations are what count.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(f"{message.text} ({message.location['url']})")


def first_run(page: Page, *, passphrase: str = PASSPHRASE, sync: bool = True, opens: str = "My support plan") -> str:
    """Sets the app up on a new device; returns the recovery key it showed once. The app then
    opens at `opens` (the plan, or the circles when it was opened from an invite link)."""
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_RUN_HEADING)
    page.get_by_label("Passphrase", exact=True).fill(passphrase)
    page.get_by_label("Type it again").fill(passphrase)
    sync_box = page.get_by_label("Keep a copy in sync with the server this app came from")
    if sync_box.is_checked() != sync:
        sync_box.click()
    page.get_by_role("button", name="Set up my private space").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery key", timeout=SLOW)
    recovery = keep_recovery_key(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(opens)
    return recovery


def keep_recovery_key(page: Page, test_id: str = "recovery-key") -> str:
    """Reads the recovery key the app shows once, says it was kept and goes on; returns the key."""
    shown = page.get_by_test_id(test_id)
    expect(shown).to_be_visible(timeout=SLOW)
    key = shown.inner_text()
    page.get_by_label("I have kept my recovery key somewhere safe").check()
    page.get_by_role("button", name="Continue").click()
    return key


def unlock(page: Page, passphrase: str = PASSPHRASE) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    page.get_by_label("Passphrase", exact=True).fill(passphrase)
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My support plan", timeout=SLOW)


def wrong_try(page: Page, passphrase: str, *, tap: bool = False) -> None:
    """Tries `passphrase` (by Enter, or by tapping Open as on a phone) and waits for this try's own
    answer, not the one left from the last."""
    page.evaluate("document.querySelectorAll('[role=alert]').forEach(el => el.setAttribute('data-seen', ''))")
    page.get_by_label("Passphrase", exact=True).fill(passphrase)
    # After the third try Open waits: a try sent before it is enabled again would not count.
    expect(page.get_by_role("button", name="Open", exact=True)).to_be_enabled(timeout=SLOW)
    if tap:
        page.get_by_role("button", name="Open", exact=True).click()
    else:
        page.get_by_label("Passphrase", exact=True).press("Enter")
    expect(page.locator("[role=alert]:not([data-seen])")).to_contain_text("did not open the app", timeout=SLOW)


def lock(page: Page) -> None:
    page.get_by_role("button", name="Lock now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")


def section(page: Page, title: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("form", name=title)


def answer(page: Page, title: str, text: str, *, shareable: bool = False) -> None:
    """Writes an answer in a plan section and waits until the app says it is saved."""
    form = section(page, title)
    form.get_by_label("Your answer").fill(text)
    if shareable:
        form.get_by_label("I may share this answer with people I choose").check()
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")


def add_ally(page: Page, name: str, *, reach: str = "", roles: tuple[str, ...] = ()) -> None:
    page.get_by_role("navigation").get_by_role("button", name="My allies").click()
    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Name or nickname").fill(name)
    if reach:
        page.get_by_label("How to reach them").fill(reach)
    for role in roles:
        page.get_by_label(role, exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=3, name=name)).to_be_visible()


def go_to(page: Page, tab: str) -> None:
    page.get_by_role("navigation").get_by_role("button", name=tab).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tab if tab != "My plan" else "My support plan")


def indexeddb_stores(page: Page) -> dict[str, dict[str, list[Any]]]:
    """Every store of the app's IndexedDB databases as ``{"db/store": {"keys": [...], "values":
    [...]}}``, read in the page (binary values as hex)."""
    stores: dict[str, dict[str, list[Any]]] = page.evaluate(
        """async () => {
            const out = {};
            const plain = (v) => JSON.parse(JSON.stringify(v, (k, x) =>
                x instanceof ArrayBuffer || ArrayBuffer.isView(x)
                    ? Array.from(new Uint8Array(x.buffer ?? x)).map(b => b.toString(16).padStart(2, '0')).join('')
                    : x));
            for (const {name} of await indexedDB.databases()) {
                const db = await new Promise((ok, no) => {
                    const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
                });
                for (const store of db.objectStoreNames) {
                    const all = await new Promise((ok) => {
                        const tx = db.transaction(store).objectStore(store);
                        const keys = tx.getAllKeys(); const values = tx.getAll();
                        values.onsuccess = () => ok({keys: keys.result, values: values.result});
                    });
                    out[name + '/' + store] = plain(all);
                }
                db.close();
            }
            return out;
        }"""
    )
    return stores


def indexeddb_dump(page: Page) -> str:
    """Everything in the app's IndexedDB databases, as text (binary values as hex), read in the page."""
    return "\n".join(
        f"{name.split('/', 1)[1]} {json.dumps(store, ensure_ascii=False, separators=(',', ':'))}"
        for name, store in indexeddb_stores(page).items()
    )


def settled(page: Page) -> None:
    """Waits until the app says it is up to date with nothing waiting (without asking it to sync)."""
    status = page.get_by_test_id("sync-status")
    expect(status).to_have_attribute("data-state", "up-to-date", timeout=SLOW)
    expect(status).to_have_attribute("data-waiting", "0")


def synced(page: Page) -> None:
    """Syncs now and waits until the app says it is up to date with nothing waiting."""
    status = page.get_by_test_id("sync-status")
    page.get_by_role("button", name="Sync now").click()
    expect(status).to_have_attribute("data-state", "up-to-date", timeout=SLOW)
    expect(status).to_have_attribute("data-waiting", "0")


def link_devices(first: Page, second: Page) -> None:
    """Links `second` to `first`'s plan by a device link, comparing the safety number."""
    go_to(first, "Settings")
    first.get_by_role("button", name="Make a link for my other device").click()
    link = first.get_by_test_id("device-link").inner_text()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/#link=[A-Za-z0-9_-]+", link)
    expect(first.get_by_test_id("device-link-qr")).to_be_visible()

    go_to(second, "Settings")
    second.get_by_label("Link from my other device").fill(link)
    second.get_by_role("button", name="Ask to join").click()
    waiting = second.get_by_test_id("join-status")
    expect(waiting).to_contain_text("safety number", timeout=SLOW)
    safety_number = waiting.inner_text().rsplit(":", 1)[1].strip()

    first.get_by_role("button", name="Check for devices asking to join").click()
    request = first.get_by_test_id("link-request")
    expect(request).to_contain_text(safety_number)
    request.get_by_role("button", name="Approve").click()
    expect(waiting).to_have_text("This device now has your plan.", timeout=SLOW)


def sync_until_removed(page: Page) -> None:
    """Has an unlinked device reach the server, with "Sync now", unless it got there on its own
    first (its timer, a live event) and already erased itself: both are the next contact, and
    either leaves it saying "This device was removed"."""
    removed = page.get_by_role("heading", level=1, name="This device was removed")
    sync_now = page.get_by_role("button", name="Sync now")
    expect(sync_now.or_(removed)).to_be_visible(timeout=SLOW)
    if sync_now.is_visible():
        with suppress(PlaywrightTimeoutError):  # it erased itself between the look and the tap
            sync_now.click(timeout=5_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("This device was removed", timeout=SLOW)
