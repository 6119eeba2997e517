"""Words typed and not saved are kept, sealed, until the person saves or discards them (issue:
they vanished on a tab switch, with no warning)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.app_flows import go_to, indexeddb_dump, lock, section, unlock

pytestmark = pytest.mark.browser

OUTSIDE = "Support outside all of this"
WORDS = "Kapa haka on Tuesdays keeps me steady"


def test_an_answer_typed_and_not_saved_survives_tabs_a_reload_and_a_lock(survivor: Page) -> None:
    box = section(survivor, OUTSIDE).get_by_label("Your answer")
    box.fill(WORDS)
    expect(section(survivor, OUTSIDE).get_by_test_id("draft-status")).to_contain_text("Not saved yet")
    go_to(survivor, "My allies")
    go_to(survivor, "My plan")
    expect(box).to_have_value(WORDS)

    survivor.wait_for_timeout(600)  # a pause in typing: the draft is kept
    assert WORDS not in indexeddb_dump(survivor), "a draft is sealed like every record"
    survivor.reload()
    unlock(survivor)
    expect(box).to_have_value(WORDS)
    lock(survivor)
    unlock(survivor)
    expect(box).to_have_value(WORDS)

    section(survivor, OUTSIDE).get_by_role("button", name="Save").click()
    expect(section(survivor, OUTSIDE).get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    expect(section(survivor, OUTSIDE).get_by_test_id("draft-status")).to_have_count(0)
    survivor.reload()
    unlock(survivor)
    expect(box).to_have_value(WORDS)
    expect(section(survivor, OUTSIDE).get_by_test_id("draft-status")).to_have_count(0)


def test_discarding_an_answer_asks_first_and_brings_back_what_was_saved(survivor: Page) -> None:
    form = section(survivor, OUTSIDE)
    form.get_by_label("Your answer").fill("first words")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    form.get_by_label("Your answer").fill("second thoughts")
    form.get_by_role("button", name="Discard changes").click()
    expect(form.get_by_role("group")).to_contain_text("cannot be brought back")
    form.get_by_role("button", name="No, keep it").click()
    expect(form.get_by_label("Your answer")).to_have_value("second thoughts")
    form.get_by_role("button", name="Discard changes").click()
    form.get_by_role("button", name="Yes, throw it away").click()
    expect(form.get_by_label("Your answer")).to_have_value("first words")
    go_to(survivor, "My allies")
    go_to(survivor, "My plan")
    expect(form.get_by_label("Your answer")).to_have_value("first words")


def test_a_half_filled_person_survives_a_tab_switch_and_cancel_asks_first(survivor: Page) -> None:
    go_to(survivor, "My allies")
    survivor.get_by_role("button", name="Add a person").click()
    survivor.get_by_label("Name or nickname").fill("Rewa")
    survivor.get_by_label("How to reach them").fill("021 555 0199")
    go_to(survivor, "My plan")
    survivor.get_by_role("navigation").get_by_role("button", name="My allies").click()
    expect(survivor.get_by_label("Name or nickname")).to_have_value("Rewa")
    expect(survivor.get_by_label("How to reach them")).to_have_value("021 555 0199")

    survivor.get_by_role("button", name="Cancel").click()
    survivor.get_by_role("button", name="No, keep it").click()
    expect(survivor.get_by_label("Name or nickname")).to_have_value("Rewa")
    survivor.get_by_role("button", name="Cancel").click()
    survivor.get_by_role("button", name="Yes, throw it away").click()
    expect(survivor.get_by_role("heading", level=1)).to_have_text("My allies")
    go_to(survivor, "My plan")
    go_to(survivor, "My allies")
    expect(survivor.get_by_role("button", name="Add a person")).to_be_visible()
    expect(survivor.get_by_label("Name or nickname")).to_have_count(0)
