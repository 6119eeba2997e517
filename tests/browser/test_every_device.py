"""Circles on every device of the person (issue 17; PROTOCOL §8 "A person's devices", §16 "A
person's circles") in Chromium against a real server: a survivor links a laptop and recovers onto
a new phone, and both see and use every circle, history and all; unlinking the laptop takes it out
of the circle with a new epoch. Rewa, an ally, is the reference client."""

import pytest
from playwright.sync_api import Browser, Page, expect

from support_circle.client import CircleReplica
from support_circle.protocol import signed
from support_circle.protocol.encoding import unb64u
from tests.browser.app_flows import SLOW, answer, first_run, go_to, keep_recovery_key, link_devices, open_app, synced
from tests.browser.circle_flows import device_contents, open_circle, reference_member, start_circle, write_note
from tests.browser.test_recovery_from_server import _bring_plan_here
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

CIRCLE = "Thursday group"


def _notes(replica: CircleReplica) -> set[str]:
    replica.pull()
    return {r.body["text"] for r in replica.records.values() if r.body and r.body.get("kind") == "note"}


def _sees_and_uses(page: Page, rewa: CircleReplica, seen: list[str], mine: str) -> None:
    """The device opens the circle, shows every note written so far and writes one Rewa reads."""
    synced(page)
    synced(page)
    open_circle(page, CIRCLE)
    for text in seen:
        expect(page.get_by_test_id("note").filter(has_text=text)).to_be_visible(timeout=SLOW)
    write_note(page, mine[:12], mine)
    synced(page)
    assert mine in _notes(rewa)


def _rename(page: Page, name: str) -> None:
    go_to(page, "Settings")
    page.get_by_label("Name of this device").fill(name)
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible(timeout=SLOW)


def test_a_linked_laptop_and_a_recovered_phone_see_and_use_every_circle(
    browser: Browser, app_server: ServerProcess
) -> None:
    phone_context, phone, phone_problems = open_app(browser, app_server.url)
    recovery_key = first_run(phone)
    # A plan to keep makes the personal circle, its escrow and recovery identity (PROTOCOL §15).
    answer(phone, "Who I go to for support", "Rewa, and my sister")
    synced(phone)
    start_circle(phone, CIRCLE, "Mere")
    write_note(phone, "Car", "Rewa brings the car on Thursday")
    synced(phone)
    rewa = reference_member(phone, app_server.url, "Rewa")
    rewa.write({"kind": "note", "title": "Hi", "text": "I can drive on Thursdays"})
    rewa.push()
    synced(phone)
    history = ["Rewa brings the car on Thursday", "I can drive on Thursdays"]
    rewa.refresh()
    before_laptop = set(rewa.verified.members)
    assert len(before_laptop) == 3, "Rewa, the phone and its recovery identity, the phone's companion"

    laptop_context, laptop, laptop_problems = open_app(browser, app_server.url)
    first_run(laptop)
    link_devices(phone, laptop)
    _rename(laptop, "Laptop")
    synced(phone)  # the phone lets the laptop into the circle as its companion
    _sees_and_uses(laptop, rewa, history, "Written on the laptop")
    rewa.refresh()
    # The laptop's own device record is named by its device id (PROTOCOL §16).
    [laptop_id] = [
        unb64u(r["id"]) for r in device_contents(laptop).records if r.get("body", {}).get("name") == "Laptop"
    ]
    assert laptop_id in set(rewa.verified.members) - before_laptop
    assert rewa.verified.person_of(laptop_id) == rewa.verified.person_of(signed.decode(rewa.log[0])[0])

    # The phone is lost; the recovery key brings the plan, and every circle, to a new one.
    phone_context.close()
    new_context, new, new_problems = open_app(browser, app_server.url)
    _bring_plan_here(new, recovery_key)
    expect(new.get_by_role("heading", level=1)).to_have_text("Your recovery key", timeout=SLOW)
    assert keep_recovery_key(new) != recovery_key
    _sees_and_uses(new, rewa, [*history, "Written on the laptop"], "Written on the new phone")
    rewa.refresh()
    assert signed.decode(rewa.log[0])[0] not in rewa.verified.members, "the lost phone is out of the circle"

    # Unlinking the laptop takes it out of the circle too, with a new epoch it gets no key of.
    epoch = rewa.verified.epoch
    assert laptop_id in rewa.verified.members
    go_to(new, "Settings")
    new.get_by_role("button", name="Check my devices again").click()
    new.get_by_role("button", name="Unlink: Laptop").click()
    new.get_by_role("button", name="Yes, unlink it").click()
    expect(new.get_by_role("status").filter(has_text="Laptop is unlinked")).to_be_visible(timeout=SLOW)
    synced(new)
    rewa.refresh()
    assert laptop_id not in rewa.verified.members, "the unlinked laptop is out of the circle"
    assert rewa.verified.epoch > epoch

    assert not phone_problems and not laptop_problems and not new_problems
    for context in (laptop_context, new_context):
        context.close()
