"""The pseudo-locale shows no untranslated string on any screen (issue 17, "Translatable").

Each device here keeps the language setting `en-XA` (frontend/src/ui/language.ts), set by an
init script before the app's own scripts run: the app then speaks the pseudo-locale made from the
English catalogue, every message accented, lengthened and bracketed ("[Šåṽé ··]"). A person walks
through every screen they can reach, and on each the check reads every text node of the page, the
attributes a screen reader or a pointer shows, and the title: what is left once the bracketed
messages, what the person typed and the data the app shows as it is (a recovery key, a link) are
taken out must hold no letter. A word written outside the catalogue shows up as plain letters.
"""

import math
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.app_flows import PASSPHRASE, SLOW, watch_problems
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

# The same letters, in the same order, as frontend/src/ui/locales/pseudo.ts.
PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ACCENTED = "åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ"
ACCENT = dict(zip(PLAIN, ACCENTED, strict=True))

# Shown as the app holds them, in no language: the recovery key, links to copy, safety numbers.
DATA = [
    "[data-testid=recovery-key]",
    "[data-testid=new-recovery-key]",
    "[data-testid=device-link]",
    "[data-testid=invite-link]",
    "[data-testid=join-safety-number]",
]

# What is left of a text once bracketed messages (nested or not) and `typed` are taken out.
UNTRANSLATED = """([typed, data]) => {
    const strip = (text) => {
        let rest = text;
        for (const words of typed) rest = rest.split(words).join(' ');
        for (let before = ''; before !== rest; ) {
            before = rest;
            rest = rest.replace(/\\[[^[\\]]*\\]/g, ' ');
        }
        return rest;
    };
    const plain = (text) => /[A-Za-z]/.test(strip(text));
    const where = (el) => el.closest('[data-testid]')?.getAttribute('data-testid') ?? el.tagName.toLowerCase();
    const skipped = (el) => el.closest(['script', 'style', 'noscript', 'template', ...data].join(','));
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (el && !skipped(el) && plain(node.data)) found.push(`${where(el)}: ${node.data.trim()}`);
    }
    const shown = ['aria-label', 'aria-description', 'title', 'placeholder', 'alt'];
    for (const el of document.body.querySelectorAll(shown.map((name) => `[${name}]`).join(','))) {
        if (skipped(el)) continue;
        for (const name of shown) {
            const value = el.getAttribute(name);
            if (value !== null && plain(value)) found.push(`${where(el)} ${name}: ${value}`);
        }
    }
    if (plain(document.title)) found.push(`title: ${document.title}`);
    return found;
}"""


def pseudo(text: str, *kept: str) -> str:
    """`text` as the pseudo-locale shows it, the parts in `kept` as given (pseudo.ts's pseudoText)."""
    verbatim = sorted((part for part in kept if part), key=len, reverse=True)
    out, at = [], 0
    while at < len(text):
        part = next((candidate for candidate in verbatim if text.startswith(candidate, at)), None)
        if part is not None:
            out.append(part)
            at += len(part)
        else:
            out.append(ACCENT.get(text[at], text[at]))
            at += 1
    return f"[{''.join(out)} {'·' * math.ceil(len(text) / 3)}]"


P = pseudo


def untranslated(page: Page, *typed: str) -> list[str]:
    """Every text on the page, of those a person sees or hears, that came neither from the catalogue
    nor from a person: what they `typed`, and the line for someone in danger their organisation's
    server set (in the organisation's language; docs/translating.md)."""
    organisation = page.evaluate("fetch('/v1/server').then((answer) => answer.json())")["safety_line"]
    found: list[str] = page.evaluate(UNTRANSLATED, [[t for t in (*typed, organisation) if t], DATA])
    return found


@pytest.fixture
def pseudo_device(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(service_workers="block", viewport={"width": 1280, "height": 800})
    context.add_init_script("localStorage.setItem('language', 'en-XA')")
    yield context
    context.close()


def _open(context: BrowserContext, url: str) -> tuple[Page, list[str]]:
    page = context.new_page()
    problems = watch_problems(page)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(P("A private place for your support plan"))
    expect(page.get_by_test_id("server-status")).to_have_attribute("data-state", "reachable")
    return page, problems


def _first_run(page: Page) -> None:
    page.get_by_label(P("Passphrase"), exact=True).fill(PASSPHRASE)
    page.get_by_label(P("Type it again"), exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name=P("Set up my private space")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(P("Your recovery key"), timeout=SLOW)


def _tab(page: Page, name: str, heading: str | None = None) -> None:
    page.get_by_role("navigation").get_by_role("button", name=P(name), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(P(heading or name))


def test_the_check_finds_words_outside_the_catalogue(pseudo_device: BrowserContext, app_server: ServerProcess) -> None:
    """The check itself can fail: English put on the page, in text or an attribute, is found."""
    page, _ = _open(pseudo_device, app_server.url)
    assert page.evaluate("document.documentElement.lang") == "en-XA"
    assert untranslated(page) == []
    page.evaluate(
        """() => {
            const p = document.createElement('p');
            p.append('Save');
            p.setAttribute('aria-label', 'Leave now');
            document.querySelector('main').append(p);
        }"""
    )
    assert untranslated(page) == ["p: Save", "p aria-label: Leave now"]


def test_every_screen_of_the_app_in_the_pseudo_locale(pseudo_device: BrowserContext, app_server: ServerProcess) -> None:
    """First run with its notices and errors, recovery from the server, the recovery key, the plan,
    the allies and a person's form, settings with sync, a device link and a saved choice, circles, a
    circle as its admin with an invite, unlock with a wrong passphrase, recovery, and the first
    screen again once everything is removed."""
    found: dict[str, list[str]] = {}
    page, problems = _open(pseudo_device, app_server.url)
    expect(page.get_by_test_id("history-notice")).to_be_visible()
    found["welcome, with the history notice"] = untranslated(page)
    page.keyboard.press("Shift")
    expect(page.get_by_test_id("shift-progress")).to_have_text(P("Press Shift 2 more times to leave."))
    found["the shift cue"] = untranslated(page)
    page.get_by_role("button", name=P("I understand")).click()

    page.get_by_role("button", name=P("I used the app on another device")).click()
    page.get_by_label(P("Recovery key"), exact=True).fill("ABCD EFGH")
    page.get_by_label(P("New passphrase"), exact=True).fill(PASSPHRASE)
    page.get_by_label(P("Type it again"), exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name=P("Bring my plan here")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    found["recovery from the server, with a typing mistake"] = untranslated(page, "ABCD EFGH")
    page.get_by_role("button", name=P("Back to setting up a new plan")).click()

    page.get_by_label(P("Passphrase"), exact=True).fill(PASSPHRASE)
    page.get_by_label(P("Type it again"), exact=True).fill(PASSPHRASE[:-1])
    expect(page.get_by_text(P("The two passphrases are not the same yet."))).to_be_visible()
    found["first run, passphrases differ"] = untranslated(page)
    _first_run(page)
    found["recovery key"] = untranslated(page)
    page.get_by_label(P("I have kept my recovery key somewhere safe")).check()
    page.get_by_role("button", name=P("Continue")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(P("My support plan"))
    found["plan"] = untranslated(page)
    form = page.get_by_role("form", name=P("When I need a break"))
    form.get_by_label(P("Your answer")).fill("Rewa speaks for me")
    form.get_by_role("button", name=P("Save")).click()
    expect(form.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    found["plan, an answer saved"] = untranslated(page, "Rewa speaks for me")

    _tab(page, "My allies")
    found["allies, none yet"] = untranslated(page)
    page.get_by_role("button", name=P("Add a person")).click()
    page.get_by_role("button", name=P("Save")).click()
    expect(page.get_by_label(P("Name or nickname"))).to_have_attribute("aria-invalid", "true")
    found["a person's form, with an error"] = untranslated(page)
    page.get_by_label(P("Name or nickname")).fill("Ana")
    page.get_by_role("button", name=P("Save")).click()
    expect(page.get_by_role("heading", level=3, name="Ana")).to_be_visible()
    found["allies"] = untranslated(page, "Ana")

    _tab(page, "Settings")
    expect(page.get_by_test_id("linked-device")).to_have_count(1, timeout=SLOW)
    found["settings"] = untranslated(page)
    page.get_by_role("button", name=P("Make a link for my other device")).click()
    expect(page.get_by_test_id("device-link-qr")).to_be_visible(timeout=SLOW)
    found["settings, a device link"] = untranslated(page)
    page.get_by_label(P("Erase this device after")).select_option(label=P("5 wrong passphrases in a row", "5"))
    page.get_by_role("form", name=P("Erase after wrong passphrases")).get_by_role("button", name=P("Save")).click()
    expect(page.get_by_test_id("wipe-after-status")).to_have_text(
        P("Saved. This device will be erased after 5 wrong passphrases in a row.")
    )
    found["settings, erase after wrong passphrases saved"] = untranslated(page)

    _tab(page, "Circles")
    found["circles, none yet"] = untranslated(page)
    start = page.get_by_role("form", name=P("Start a circle"))
    start.get_by_label(P("Name of the circle")).fill("Thursday group")
    start.get_by_label(P("Supporting me")).check()
    start.get_by_label(P("Your name in this circle")).fill("Mere")
    start.get_by_role("button", name=P("Start the circle")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thursday group", timeout=SLOW)
    # What the person typed, as the circle shows it: its name, theirs, an ally's and their answer.
    typed = ("Thursday group", "Mere", "Ana", "Rewa speaks for me")
    found["a new circle, as its admin"] = untranslated(page, *typed)
    page.get_by_label(P("Who is this invite for?")).fill("Aroha")
    page.get_by_role("button", name=P("Make an invite link")).click()
    expect(page.get_by_test_id("invite-link")).to_be_visible(timeout=SLOW)
    found["a circle with an invite"] = untranslated(page, *typed, "Aroha")

    page.get_by_role("button", name=P("Lock now")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(P("Welcome back"))
    found["unlock"] = untranslated(page)
    page.get_by_label(P("Passphrase"), exact=True).fill("not my passphrase")
    page.get_by_role("button", name=P("Open"), exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible(timeout=SLOW)
    found["unlock, a wrong passphrase"] = untranslated(page)
    page.get_by_role("button", name=P("I forgot my passphrase")).click()
    found["recovery"] = untranslated(page)
    page.get_by_role("button", name=P("Back to the passphrase")).click()
    page.get_by_label(P("Passphrase"), exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name=P("Open"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(P("My support plan"), timeout=SLOW)
    _tab(page, "Settings")
    page.get_by_label(P("Type DELETE to confirm")).fill(P("DELETE"))
    page.get_by_role("button", name=P("Remove everything")).click()
    removed = P("Everything has been removed from this device.")
    expect(page.get_by_role("status").filter(has_text=removed)).to_be_visible()
    found["first run, after removing everything"] = untranslated(page)

    assert {screen: texts for screen, texts in found.items() if texts} == {}
    assert problems == []


def test_a_circle_from_both_sides_in_the_pseudo_locale(browser: Browser, app_server: ServerProcess) -> None:
    """A circle as its admin and as a member: sharing, an invite asked for and approved, a note and
    a check-in, as each of them sees it."""
    found: dict[str, list[str]] = {}
    devices = []
    for _ in range(2):
        context = browser.new_context(service_workers="block", viewport={"width": 1280, "height": 800})
        context.add_init_script("localStorage.setItem('language', 'en-XA')")
        devices.append(context)
    admin, problems = _open(devices[0], app_server.url)
    member, member_problems = _open(devices[1], app_server.url)
    typed = ["Thursday group", "Mere", "Aroha", "Rewa speaks for me", "Bring soup", "Tired today"]
    for page in (admin, member):
        _first_run(page)
        page.get_by_label(P("I have kept my recovery key somewhere safe")).check()
        page.get_by_role("button", name=P("Continue")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(P("My support plan"))

    form = admin.get_by_role("form", name=P("When I need a break"))
    form.get_by_label(P("Your answer")).fill("Rewa speaks for me")
    form.get_by_label(P("I may share this answer with people I choose")).check()
    form.get_by_role("button", name=P("Save")).click()
    expect(form.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    _tab(admin, "Circles")
    start = admin.get_by_role("form", name=P("Start a circle"))
    start.get_by_label(P("Name of the circle")).fill("Thursday group")
    start.get_by_label(P("Supporting me")).check()
    start.get_by_label(P("Your name in this circle")).fill("Mere")
    start.get_by_role("button", name=P("Start the circle")).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Thursday group", timeout=SLOW)
    sees = admin.get_by_role("region", name=P("What this circle sees"))
    sees.get_by_label(P("When I need a break")).check()
    expect(admin.get_by_test_id("shared-plan")).to_have_count(1, timeout=SLOW)
    found["admin, an answer shared"] = untranslated(admin, *typed)
    admin.get_by_label(P("Who is this invite for?")).fill("Aroha")
    admin.get_by_role("button", name=P("Make an invite link")).click()
    link = admin.get_by_test_id("invite-link")
    expect(link).to_be_visible(timeout=SLOW)

    _tab(member, "Circles")
    joining = member.get_by_role("region", name=P("Join a circle"))
    joining.get_by_label(P("Invite link")).fill(link.inner_text())
    joining.get_by_label(P("Your name in this circle")).fill("Aroha")
    joining.get_by_role("button", name=P("Ask to join")).click()
    number = member.get_by_test_id("join-safety-number")
    expect(number).to_be_visible(timeout=SLOW)
    found["member, waiting to be let in"] = untranslated(member, *typed)

    admin.get_by_role("button", name=P("Check for requests")).click()
    request = admin.get_by_test_id("join-request")
    expect(request).to_contain_text(number.inner_text(), timeout=SLOW)
    found["admin, a request to join"] = untranslated(admin, *typed)
    request.get_by_role("button", name=P("Approve")).click()
    expect(request).to_have_count(0, timeout=SLOW)
    found["admin, a member approved"] = untranslated(admin, *typed)

    member.get_by_role("button", name=P("Sync now")).click()
    expect(member.get_by_test_id("sync-status")).to_have_attribute("data-state", "up-to-date", timeout=SLOW)
    _tab(member, "Circles")
    member.get_by_role("button", name=f"{P('Open')}: Thursday group").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Thursday group", timeout=SLOW)
    expect(member.get_by_test_id("shared-plan")).to_have_count(1, timeout=SLOW)
    found["member, the circle"] = untranslated(member, *typed)
    member.get_by_role("button", name=P("Write a note")).click()
    note = member.get_by_role("form", name=P("Write a note"))
    note.get_by_label(P("Title")).fill("Bring soup")
    note.get_by_label(P("Note"), exact=True).fill("Bring soup")
    note.get_by_role("button", name=P("Save")).click()
    expect(member.get_by_test_id("note")).to_have_count(1, timeout=SLOW)
    checkin = member.get_by_role("form", name=P("Check in"))
    checkin.get_by_label(P("I am struggling")).check()
    checkin.get_by_label(P("A few words (optional)")).fill("Tired today")
    checkin.get_by_role("button", name=P("Post the check-in")).click()
    expect(member.get_by_text("Tired today")).to_be_visible(timeout=SLOW)
    found["member, a note and a check-in"] = untranslated(member, *typed)

    admin.get_by_role("button", name=P("Sync now")).click()
    expect(admin.get_by_test_id("note")).to_have_count(1, timeout=SLOW)
    expect(admin.get_by_text("Tired today")).to_be_visible(timeout=SLOW)
    found["admin, the member's note and check-in"] = untranslated(admin, *typed)

    for context in devices:
        context.close()
    assert {screen: texts for screen, texts in found.items() if texts} == {}
    assert problems == member_problems == []
