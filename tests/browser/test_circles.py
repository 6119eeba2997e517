"""Circles in Chromium against a real server: a survivor and the allies they invite, each in
their own browser context (their own device), with the reference client as a further member
where that helps. What each device holds is read back with its passphrase (PROTOCOL §5)."""

import json
import sqlite3
from contextlib import closing
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from support_circle.protocol import circle_keys, membership, primitives, records
from support_circle.protocol.encoding import b64u, ctx, u32, unb64u
from support_circle.protocol.errors import ProtocolError
from support_circle.protocol.identity import DeviceKeys
from tests.browser.app_flows import SLOW, add_ally, answer, first_run, lock, open_app, synced, unlock
from tests.browser.circle_flows import (
    DeviceContents,
    approve,
    ask_to_join,
    device_contents,
    edit_note,
    join_circle,
    leave_with_a_bad_key,
    make_invite,
    open_circle,
    push_unreadable,
    reference_member,
    start_circle,
    write_note,
)
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
    # Any member may share their own answers (PROTOCOL §16); the ally has none marked shareable.
    expect(ally.get_by_role("region", name="What this circle sees")).to_contain_text("None of your answers")
    expect(shown.get_by_test_id("shared-by")).to_have_text(["Shared by Mere"] * 2)

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


def _survivor_and_ally(browser: Browser, server: ServerProcess):  # type: ignore[no-untyped-def]
    """A survivor (Mere) with a circle, and an ally (Aroha) in it, each in their own browser."""
    survivor_context, survivor, survivor_problems = open_app(browser, server.url)
    first_run(survivor)
    start_circle(survivor, CIRCLE, "Mere")
    ally_context, ally, ally_problems = open_app(browser, server.url)
    first_run(ally)
    join_circle(survivor, ally, CIRCLE, "Aroha")
    return (survivor_context, survivor), (ally_context, ally), survivor_problems, ally_problems


def test_three_members_edit_one_note_two_of_them_offline_and_every_word_survives(
    browser: Browser, app_server: ServerProcess
) -> None:
    (survivor_context, survivor), (ally_context, ally), *problems = _survivor_and_ally(browser, app_server)
    tui = reference_member(survivor, app_server.url, "Tui")
    write_note(survivor, "Thursday", "On Monday we meet at the library.")
    synced(survivor)
    synced(ally)
    expect(ally.get_by_test_id("note")).to_contain_text("On Monday we meet at the library.", timeout=SLOW)
    tui.pull()
    [(note_id, note)] = [(rid, r.body) for rid, r in tui.records.items() if r.body and r.body["kind"] == "note"]

    # Aroha's browser is offline, and Tui's edit waits unsent, while Mere edits the same note.
    # Mere and Aroha each add a sentence; Mere and Tui change the same word differently.
    ally_context.set_offline(True)
    edit_note(ally, "Thursday", "On Monday we meet at the library. Aroha brings food.")
    tui.write({**note, "text": "On Thursday we meet at the library."}, note_id)
    edit_note(survivor, "Thursday", "On Friday we meet at the library. Mere books the room.")
    synced(survivor)
    tui.push()
    ally_context.set_offline(False)
    synced(ally)
    synced(survivor)

    # The text merges word by word (PROTOCOL §7, "Merging text"): both sentences are in the note,
    # and Tui's later word stands with Mere's beside it, for that word alone, saying who wrote it.
    merged_text = "On Thursday we meet at the library. Mere books the room. Aroha brings food."
    shown = survivor.get_by_test_id("note")
    expect(shown.locator(".answer-text")).to_have_text(merged_text, timeout=SLOW)
    conflict = shown.get_by_test_id("conflict")
    expect(conflict).to_contain_text("Someone else changed this at the same time")
    expect(conflict.locator("p").filter(has_text="Friday")).to_contain_text("Written by Mere, ")
    expect(conflict.locator("p").filter(has_text="Friday")).to_contain_text("In place of “Thursday”")
    expect(ally.get_by_test_id("note").locator(".answer-text")).to_have_text(merged_text, timeout=SLOW)
    tui.pull()
    merged = tui.records[note_id].body
    assert merged is not None
    assert merged["text"] == merged_text
    assert [(c["value"], c["at"]) for c in merged["_conflicts"]] == [(" Friday", " Thursday")]
    assert problems == [[], []]
    survivor_context.close()
    ally_context.close()


def test_a_removed_ally_gets_nothing_new_and_cannot_open_what_is_written_after(
    browser: Browser, app_server: ServerProcess
) -> None:
    (survivor_context, survivor), (ally_context, ally), survivor_problems, ally_problems = _survivor_and_ally(
        browser, app_server
    )
    write_note(survivor, "Before", "Seen by both of us.")
    synced(survivor)
    synced(ally)
    expect(ally.get_by_test_id("note")).to_contain_text("Seen by both of us.", timeout=SLOW)

    member = survivor.get_by_test_id("member").filter(has_text="Aroha")
    member.get_by_role("button", name="Remove from the circle: Aroha").click()
    survivor.get_by_role("button", name="Yes, remove them").click()
    expect(survivor.get_by_text("They were removed. The circle has a new key.")).to_be_visible(timeout=SLOW)
    expect(survivor.get_by_test_id("member")).to_have_count(1)
    circle_id = _circle_id(survivor)
    removed_at = _epoch(app_server, circle_id)
    write_note(survivor, "After", "Only for those still here.")
    synced(survivor)

    synced(ally)
    open_circle(ally, CIRCLE)
    expect(ally.get_by_test_id("circle-standing")).to_contain_text("You are no longer a member of this circle")
    expect(ally.get_by_test_id("note")).to_have_count(1)
    held = device_contents(ally)
    assert "Only for those still here." not in str(held.records)
    assert [b["title"] for b in held.bodies("note")] == ["Before"]

    # Every key the ally's device holds, or could open from anything the server keeps for it,
    # fails to open the note written after the removal.
    after = _changes_since(app_server, circle_id, removed_at)
    assert after, "the note written after the removal is on the server"
    candidates = _keys_the_ally_could_hold(app_server, held)
    assert candidates, "the ally's device opens its own old key envelopes"
    for envelope in after:
        for key in candidates:
            with pytest.raises(ProtocolError) as refused:
                records.open_record(envelope, {envelope["epoch"]: key}, lambda _signer: None)
            assert refused.value.code == "decrypt_failed"
    assert survivor_problems == [] and ally_problems == []
    survivor_context.close()
    ally_context.close()


def _database(server: ServerProcess) -> sqlite3.Connection:
    return sqlite3.connect(server.data_dir / "support-circle.sqlite3")


def _circle_id(page: Page, name: str = CIRCLE) -> bytes:
    """The id of the circle `name` that the device in `page` holds (the server is shared by many)."""
    held = device_contents(page).records
    (circle_id,) = {r["circle"] for r in held if r["kind"] == "circle" and (r["body"] or {}).get("name") == name}
    return unb64u(circle_id)


def _epoch(server: ServerProcess, circle_id: bytes) -> int:
    """The circle's current epoch, as the server holds it."""
    with closing(_database(server)) as db:
        return int(db.execute("SELECT epoch FROM circle WHERE id = ?", (b64u(circle_id),)).fetchone()[0])


def _changes_since(server: ServerProcess, circle_id: bytes, epoch: int) -> list[dict[str, Any]]:
    """Every change the server holds for the circle, sealed under `epoch` or a later one."""
    with closing(_database(server)) as db:
        rows = db.execute("SELECT envelope FROM change WHERE circle_id = ?", (b64u(circle_id),)).fetchall()
    return [e for e in (json.loads(row[0]) for row in rows) if e["epoch"] >= epoch]


def _keys_the_ally_could_hold(server: ServerProcess, held: DeviceContents) -> list[bytes]:
    """The epoch keys in every envelope the server holds for the ally's device, opened with its
    private key, and the 32-byte secrets its vault keeps (its own keys)."""
    device_keys = DeviceKeys(unb64u(held.state["device"]["signSeed"]), held.kem_private)
    me = device_keys.public.device_id
    with closing(_database(server)) as db:
        rows = db.execute("SELECT envelope FROM key_envelope WHERE recipient = ?", (b64u(me),)).fetchall()
    keys = []
    for (text,) in rows:
        envelope = json.loads(text)
        info = ctx("support-circle/v1/key-envelope", unb64u(envelope["circle_id"]), u32(envelope["epoch"]), me)
        keys.append(primitives.hpke_open(held.kem_private, info, unb64u(envelope["sealed"])))
    return [*keys, unb64u(held.state["device"]["signSeed"]), held.kem_private]


def test_a_tampering_server_is_caught_and_shown_as_a_warning(browser: Browser, app_server: ServerProcess) -> None:
    """The server (playing with its own database, with the help of a removed member) hands the
    survivor an old epoch's key as the new one, then slips a member into the log. Each is refused
    and shown with the circle; nothing is sent under the bad key or to the slipped-in member."""
    context, survivor, problems = open_app(browser, app_server.url)
    first_run(survivor)
    start_circle(survivor, CIRCLE, "Mere")
    tui = reference_member(survivor, app_server.url, "Tui")
    old_key = tui.keys[max(tui.keys)]
    survivor.get_by_role("button", name="Remove from the circle: Tui").click()
    survivor.get_by_role("button", name="Yes, remove them").click()
    expect(survivor.get_by_text("They were removed. The circle has a new key.")).to_be_visible(timeout=SLOW)
    circle_id = tui.circle_id
    new = _epoch(app_server, circle_id)
    mine = device_contents(survivor)
    me = DeviceKeys(unb64u(mine.state["device"]["signSeed"]), mine.kem_private).public

    # An old key offered as the new epoch's: it does not match the log's commitment.
    honest = _key_envelope(app_server, circle_id, new, me.device_id)
    forged = circle_keys.seal_key_envelope(circle_id, new, me, old_key)
    _set_key_envelope(app_server, circle_id, new, me.device_id, forged)
    lock(survivor)
    unlock(survivor)
    open_circle(survivor, CIRCLE)
    write_note(survivor, "Plans", "Not for Tui.")
    survivor.get_by_role("button", name="Sync now").click()
    warning = survivor.get_by_test_id("circle-problem")
    expect(warning).to_contain_text("did not check out", timeout=SLOW)
    expect(warning).to_contain_text("not the one the signed membership log commits to")
    expect(survivor.get_by_test_id("sync-status")).to_have_attribute("data-state", "error")
    expect(survivor.get_by_test_id("sync-status")).to_have_attribute("data-waiting", "1")

    # The server stops: the note goes, under the new key only.
    _set_key_envelope(app_server, circle_id, new, me.device_id, honest)
    synced(survivor)
    expect(survivor.get_by_test_id("circle-problem")).to_have_count(0)
    # The note alone: what describes the circle is sealed again only once someone is let in under
    # the new epoch, not at the removal (PROTOCOL §16).
    sent = _changes_since(app_server, circle_id, new)
    assert [e["epoch"] for e in sent] == [new]

    # A member the admin never added, slipped into the log.
    _inject_member(app_server, circle_id)
    write_note(survivor, "Later", "Not for strangers.")
    survivor.get_by_role("button", name="Sync now").click()
    expect(survivor.get_by_test_id("circle-problem")).to_contain_text(
        "signed by a device that is not a member", timeout=SLOW
    )
    expect(survivor.get_by_test_id("sync-status")).to_have_attribute("data-waiting", "1")
    assert len(_changes_since(app_server, circle_id, new)) == len(sent)
    assert problems == []
    context.close()


def test_a_hostile_members_garbage_and_bad_leave_stop_nobody(browser: Browser, app_server: ServerProcess) -> None:
    """Tui, a member, pushes a record of random bytes, then tries to leave by a v1 entry sealing
    the others a key that does not match the one it commits to, which the server refuses after the
    log's v2 entries (§8), and leaves by a v2 one. The survivor's app passes over the garbage, says
    once that something from Tui could not be read, and Rua's later note, under a new epoch past the
    one Tui closed, arrives (PROTOCOL §16)."""
    context, survivor, problems = open_app(browser, app_server.url)
    first_run(survivor)
    start_circle(survivor, CIRCLE, "Mere")
    tui = reference_member(survivor, app_server.url, "Tui")
    rua = reference_member(survivor, app_server.url, "Rua")
    synced(survivor)
    expect(survivor.get_by_test_id("member")).to_have_count(3, timeout=SLOW)

    push_unreadable(tui)
    survivor.get_by_role("button", name="Sync now").click()
    notice = survivor.get_by_test_id("circle-unreadable")
    expect(notice).to_contain_text("Something from Tui could not be read.", timeout=SLOW)
    expect(notice).to_contain_text("the rest of this circle is fine")

    leave_with_a_bad_key(tui)
    tui.pull()
    tui.leave()
    before = _epoch(app_server, tui.circle_id)
    synced(survivor)
    expect(survivor.get_by_test_id("circle-problem")).to_have_count(0)
    expect(survivor.get_by_test_id("member")).to_have_count(2, timeout=SLOW)

    rua.pull()
    rua.write({"kind": "note", "title": "From Rua", "text": "Still here for Thursday."})
    rua.push()
    assert _epoch(app_server, rua.circle_id) == before + 1  # Rua's rotate, past the epoch Tui closed
    survivor.get_by_role("button", name="Sync now").click()
    expect(survivor.get_by_test_id("note").filter(has_text="Still here for Thursday.")).to_be_visible(timeout=SLOW)
    synced(survivor)
    expect(survivor.get_by_test_id("circle-unreadable")).to_have_count(1)
    expect(survivor.get_by_test_id("circle-problem")).to_have_count(0)
    survivor.get_by_role("button", name="OK, I have seen this").click()
    expect(survivor.get_by_test_id("circle-unreadable")).to_have_count(0)
    assert problems == []
    context.close()


def _key_envelope(server: ServerProcess, circle_id: bytes, epoch: int, recipient: bytes) -> dict[str, Any]:
    with closing(_database(server)) as db:
        query = "SELECT envelope FROM key_envelope WHERE circle_id = ? AND epoch = ? AND recipient = ?"
        (text,) = db.execute(query, (b64u(circle_id), epoch, b64u(recipient))).fetchone()
    return json.loads(text)


def _set_key_envelope(server: ServerProcess, circle_id: bytes, epoch: int, recipient: bytes, envelope: object) -> None:
    with closing(_database(server)) as db, db:
        query = "UPDATE key_envelope SET envelope = ? WHERE circle_id = ? AND epoch = ? AND recipient = ?"
        db.execute(query, (json.dumps(envelope), b64u(circle_id), epoch, b64u(recipient)))


def _inject_member(server: ServerProcess, circle_id: bytes) -> None:
    """Appends an `add` of the server's own device, signed by that device, with the counters to match."""
    stranger = DeviceKeys.generate()
    with closing(_database(server)) as db, db:
        seq, head = db.execute("SELECT log_seq, head_hash FROM circle WHERE id = ?", (b64u(circle_id),)).fetchone()
        member = {"identity": stranger.identity(), "role": "admin"}
        forged = membership.entry(stranger, circle_id, seq + 1, unb64u(head), "add", member=member)
        db.execute(
            "INSERT INTO membership_entry (circle_id, seq, entry, created_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP)",
            (b64u(circle_id), seq + 1, json.dumps(forged)),
        )
        new_head = b64u(membership.entry_hash(forged))
        db.execute("UPDATE circle SET log_seq = ?, head_hash = ? WHERE id = ?", (seq + 1, new_head, b64u(circle_id)))
