"""Every tick-box and radio button sits on the first line of its own words, on every screen that has
them, at 320, 390 and 1280 CSS px; and the sharing chooser shows the exact words a circle would see
before anything is ticked.

A control drawn on its own line, under the previous choice's words, reads as belonging to that
one: a person could tick "When I need a break" believing it was "Who I go to for support" and share
the wrong answer. So these tests measure where things are drawn (bounding boxes and the first line
box of each label's text), not only what the accessibility tree says.
"""

from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.app_flows import PASSPHRASE, SLOW, add_ally, answer, first_run, go_to, open_app, section
from tests.browser.circle_flows import start_circle
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1280)
HEIGHT = 844
# WCAG 2.2 SC 2.5.8 Target Size (Minimum), in CSS px.
TARGET = 24
# How far a control may stand from its words and still read as theirs.
NEAR = TARGET

# Long enough to wrap on a phone: a control centred on the whole label would drift off its first line.
LONG_NAME = "Aunt Rewa Hohaia from the Thursday group, who knows the whole story"
BREAK = "When I need a break"
SUPPORT = "Who I go to for support"
BREAK_WORDS = "Rewa speaks for me.\nCall her after 6pm,  not before."
SUPPORT_WORDS = "Aunt Rewa listens without judging."
ALLY = {
    "Name or nickname": "Rewa Hohaia",
    "How to reach them": "021 555 0199",
    "When they are available": "Weekends",
    "What they know": "Everything about the flat",
    "What I want them to know": "That I am scared of him",
    "Notes about trust": "Sometimes tells her sister",
}
NEVER_SHARED = ("What they know", "What I want them to know", "Notes about trust")

# Each visible tick-box and radio, with the boxes of its label and of that label's first line of text.
_MEASURE = """() => {
    const rect = (r) => r.toJSON();
    const out = [];
    for (const input of document.querySelectorAll('input[type=checkbox], input[type=radio]')) {
        if (!input.checkVisibility()) continue;
        const label = input.labels && input.labels[0];
        const item = {id: input.id, control: rect(input.getBoundingClientRect()), label: null, line: null};
        if (label) {
            const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT, {
                acceptNode: (n) => (n.data.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP),
            });
            const text = walker.nextNode();
            item.label = label.textContent.trim();
            item.box = rect(label.getBoundingClientRect());
            item.holds = label.contains(input);
            if (text) {
                const range = document.createRange();
                range.selectNodeContents(text);
                item.line = rect(range.getClientRects()[0]);
            }
        }
        out.push(item);
    }
    return out;
}"""


def _misplaced(item: dict[str, Any]) -> str:
    """What is wrong with one control's place and size, or '' when it sits right."""
    if item["label"] is None or item["line"] is None:
        return "has no label with words"
    control, line, box = item["control"], item["line"], item["box"]
    middle_x = (control["left"] + control["right"]) / 2
    middle_y = (control["top"] + control["bottom"]) / 2
    wrong = []
    if not line["top"] <= middle_y <= line["bottom"]:
        wrong.append(
            f"centre y={middle_y:.1f} is off its label's first line ({line['top']:.1f} to {line['bottom']:.1f})"
        )
    if not (middle_x < line["left"] and control["right"] <= line["left"] + 0.5):
        wrong.append(f"is not left of its words (it ends at {control['right']:.1f}, they start at {line['left']:.1f})")
    elif line["left"] - control["right"] > NEAR:
        wrong.append(f"stands {line['left'] - control['right']:.1f} px from its words")
    big = control["width"] >= TARGET - 0.01 and control["height"] >= TARGET - 0.01
    label_big = item["holds"] and box["width"] >= TARGET and box["height"] >= TARGET
    if not (big or label_big):
        wrong.append(f"is {control['width']:.0f}x{control['height']:.0f} px, under {TARGET}x{TARGET}")
    return "; ".join(wrong)


def _check_every_choice(page: Page, screen: str, at_least: int) -> list[str]:
    """At each width, where every visible tick-box and radio is drawn; the problems found, as lines."""
    problems: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        measured = page.evaluate(_MEASURE)
        assert len(measured) >= at_least, f"{screen} at {width} px: {len(measured)} controls, expected {at_least}"
        for item in measured:
            if problem := _misplaced(item):
                problems.append(f"{screen} at {width} px: {item['id']} ({item['label']!r}) {problem}")
    page.set_viewport_size({"width": 390, "height": HEIGHT})
    return problems


def _add_ally_with_everything(page: Page) -> None:
    go_to(page, "My allies")
    page.get_by_role("button", name="Add a person").click()
    for label, text in ALLY.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_label("Supports me", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=3, name=ALLY["Name or nickname"])).to_be_visible()


def _sharing(page: Page) -> Locator:
    sharing = page.get_by_role("region", name="What this circle sees")
    expect(sharing.get_by_role("checkbox").first).to_be_enabled(timeout=SLOW)
    return sharing


def test_first_run_and_recovery_key_choices_sit_on_their_own_words(browser: Browser, app_server: ServerProcess) -> None:
    context, page, problems = open_app(browser, app_server.url)
    expect(page.get_by_label("Keep a copy in sync with the server this app came from")).to_be_visible()
    found = _check_every_choice(page, "first run", 1)
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Type it again").fill(PASSPHRASE)
    page.get_by_role("button", name="Set up my private space").click()
    expect(page.get_by_label("I have kept my recovery key somewhere safe")).to_be_visible(timeout=SLOW)
    found += _check_every_choice(page, "recovery key", 1)
    assert found == [], "\n".join(found)
    assert problems == []
    context.close()


def test_plan_ally_form_and_settings_choices_sit_on_their_own_words(
    browser: Browser, app_server: ServerProcess
) -> None:
    context, page, problems = open_app(browser, app_server.url)
    first_run(page, sync=False)
    add_ally(page, LONG_NAME)
    add_ally(page, "Tama")
    page.get_by_role("button", name="Add a person").click()
    expect(page.get_by_label("Careful")).to_be_visible()
    # Four roles and three standings.
    found = _check_every_choice(page, "add a person", 7)
    page.get_by_role("button", name="Cancel").click()

    go_to(page, "My plan")
    section(page, SUPPORT).get_by_text("People this answer is about").click()
    expect(section(page, SUPPORT).get_by_label(LONG_NAME)).to_be_visible()
    # Seven "I may share" boxes and the two people in the opened picker.
    found += _check_every_choice(page, "plan with the ally picker open", 9)

    go_to(page, "Settings")
    expect(page.get_by_label("Sync with the server this app came from")).to_be_visible()
    found += _check_every_choice(page, "settings", 1)
    assert found == [], "\n".join(found)
    assert problems == []
    context.close()


def test_circle_choices_sit_on_their_own_words(browser: Browser, app_server: ServerProcess) -> None:
    """Starting a circle, what it sees (two answers and an ally, with their words), and a check-in."""
    context, page, problems = open_app(browser, app_server.url)
    first_run(page)
    answer(page, SUPPORT, SUPPORT_WORDS, shareable=True)
    answer(page, BREAK, BREAK_WORDS, shareable=True)
    _add_ally_with_everything(page)
    go_to(page, "Circles")
    expect(page.get_by_label("Something else")).to_be_visible()
    found = _check_every_choice(page, "start a circle", 4)
    start_circle(page, "Thursday group", "Mere")
    _sharing(page)
    expect(page.get_by_label("I need a break", exact=True)).to_be_visible()
    # Two answers and one ally to share, three feelings to check in with.
    found += _check_every_choice(page, "a circle", 6)
    assert found == [], "\n".join(found)
    assert problems == []
    context.close()


def _words(box: Locator) -> Locator:
    """The words shown beside a tick-box: the element it names as its description."""
    described = box.get_attribute("aria-describedby")
    assert described, "the tick-box has no words shown beside it"
    return box.page.locator(f"[id='{described.split()[0]}']")


def test_the_sharing_chooser_shows_the_exact_words_before_anything_is_shared(
    browser: Browser, app_server: ServerProcess
) -> None:
    context, page, problems = open_app(browser, app_server.url)
    first_run(page)
    answer(page, SUPPORT, SUPPORT_WORDS, shareable=True)
    answer(page, BREAK, BREAK_WORDS, shareable=True)
    _add_ally_with_everything(page)
    start_circle(page, "Thursday group", "Mere")
    sharing = _sharing(page)
    for box in sharing.get_by_role("checkbox").all():
        expect(box).not_to_be_checked()
    expect(page.get_by_test_id("shared-plan")).to_have_count(0)

    # Each answer's words, exactly (line breaks and all), beside its section's title and read out with it.
    for title, words in ((SUPPORT, SUPPORT_WORDS), (BREAK, BREAK_WORDS)):
        box = sharing.get_by_role("checkbox", name=title, exact=True)
        expect(box).to_have_accessible_description(" ".join(words.split()))
        assert _words(box).inner_text() == words

    # The words sit under their own choice: below its control, under its text, above the next choice.
    boxes = sharing.get_by_role("checkbox").all()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        for box, after in zip(boxes, [*boxes[1:], None], strict=True):
            control, words = box.bounding_box(), _words(box).bounding_box()
            assert control is not None and words is not None
            assert words["y"] >= control["y"] + control["height"], f"at {width} px: words above their tick-box"
            assert words["x"] >= control["x"] + control["width"], f"at {width} px: words under the tick-box"
            following = after.bounding_box() if after is not None else None
            assert following is None or words["y"] + words["height"] <= following["y"], f"at {width} px: overlap"

    # An ally: what a shared copy of them holds, and never notes or what they know.
    ally = _words(sharing.get_by_role("checkbox", name=ALLY["Name or nickname"], exact=True))
    for field in ("How to reach them", "When they are available"):
        expect(ally).to_contain_text(ALLY[field])
    expect(ally).to_contain_text("Supports me")
    for field in NEVER_SHARED:
        expect(sharing).not_to_contain_text(ALLY[field])

    # Once ticked, the circle shows exactly the words that were shown.
    shown = {
        name: _words(sharing.get_by_role("checkbox", name=name, exact=True))
        for name in (BREAK, ALLY["Name or nickname"])
    }
    before = {name: words.locator("p").all_inner_texts() for name, words in shown.items()}
    for name in shown:
        sharing.get_by_role("checkbox", name=name, exact=True).check()
        expect(sharing.get_by_test_id("sharing-status")).to_have_text("Shared with this circle.")
    expect(page.get_by_test_id("shared-plan")).to_have_count(1, timeout=SLOW)
    expect(page.get_by_test_id("shared-plan").locator("p")).to_have_text(before[BREAK])
    expect(page.get_by_test_id("shared-ally").locator("p")).to_have_text(before[ALLY["Name or nickname"]])
    assert before[BREAK] == [BREAK_WORDS]
    assert problems == []
    context.close()
