"""Circles in Chromium against a real server: a survivor and the allies they invite, each in
their own browser context (their own device), with the reference client as a further member
where that helps. What each device holds is read back with its passphrase (PROTOCOL §5)."""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.app_flows import SLOW, add_ally, answer, first_run, open_app, synced
from tests.browser.circle_flows import approve, ask_to_join, device_contents, make_invite, open_circle, start_circle
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

CIRCLE = "Thursday group"
ANSWERS = {
    "Who I go to for support": ("Aunt Rewa listens without judging", True),
    "What I share, and with whom": ("Only Rewa knows about the flat", False),
    "Hard conversations ahead": ("Tama could talk to him", True),
    "When others disagree with me": ("I will take a day before answering", False),
    "When I need a break": ("Rewa speaks for me", True),
}
SHARED = ["Who I go to for support", "When I need a break"]


def test_an_approved_ally_sees_exactly_what_was_shared(browser: Browser, app_server: ServerProcess) -> None:
    survivor_context, survivor, survivor_problems = open_app(browser, app_server.url)
    first_run(survivor)
    for title, (text, shareable) in ANSWERS.items():
        answer(survivor, title, text, shareable=shareable)
    add_ally(survivor, "Rewa Hohaia", reach="021 555 0199", roles=("Supports me",))
    start_circle(survivor, CIRCLE, "Mere")
    sharing = survivor.get_by_role("region", name="What this circle sees")
    # Only the answers marked shareable can be chosen, and none is chosen yet.
    boxes = sharing.get_by_role("checkbox")
    expect(boxes).to_have_count(4)
    for box in boxes.all():
        expect(box).not_to_be_checked()
    for title in SHARED:
        sharing.get_by_label(title).check()
        expect(sharing.get_by_test_id("sharing-status")).to_have_text("Shared with this circle.")
    link = make_invite(survivor, "Aroha")

    ally_context, ally, ally_problems = open_app(browser, link)
    first_run(ally, opens="Circles")
    expect(ally.get_by_label("Invite link")).to_have_value(link)
    number = ask_to_join(ally, "Aroha")
    approve(survivor, "Aroha", number)

    synced(ally)
    open_circle(ally, CIRCLE)
    shown = ally.get_by_test_id("shared-plan")
    expect(shown).to_have_count(2, timeout=SLOW)
    expect(shown.get_by_role("heading")).to_have_text(SHARED)
    expect(shown.locator(".answer-text")).to_have_text([ANSWERS[t][0] for t in SHARED])
    expect(ally.get_by_test_id("shared-ally")).to_have_count(0)
    expect(ally.get_by_test_id("member")).to_have_count(2)
    expect(ally.get_by_test_id("member").first).to_contain_text("Mere")
    expect(ally.get_by_role("region", name="What this circle sees")).to_have_count(0)

    held = device_contents(ally)
    assert sorted(b["answer"] for b in held.bodies("shared-plan")) == sorted(ANSWERS[t][0] for t in SHARED)
    assert {r["kind"] for r in held.records} == {"circle", "member", "shared-plan", "settings"}
    everything = str(held.records) + str(held.state)
    for title, (text, _) in ANSWERS.items():
        if title not in SHARED:
            assert text not in everything
    assert "Rewa Hohaia" not in everything
    assert survivor_problems == [] and ally_problems == []
    survivor_context.close()
    ally_context.close()
