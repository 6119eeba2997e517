"""What people do with circles in the app, step by step, for the browser tests; and what a
device holds, read back the way only someone with its passphrase could."""

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from support_circle.client.circle import CircleReplica
from support_circle.client.device import Device
from support_circle.client.http import ApiError
from support_circle.client.invites import request_to_join
from support_circle.protocol import circle_keys, membership, primitives
from support_circle.protocol.encoding import b64u, unb64u, unb64u_id
from support_circle.protocol.safety import safety_number
from support_circle.protocol.vault import open_local, unlock_with_passphrase
from tests.adversarial import tampering
from tests.browser.app_flows import PASSPHRASE, SLOW, go_to, synced


def start_circle(page: Page, name: str, my_name: str, purpose: str = "Supporting me") -> None:
    go_to(page, "Circles")
    form = page.get_by_role("form", name="Start a circle")
    form.get_by_label("Name of the circle").fill(name)
    form.get_by_label(purpose).check()
    form.get_by_label("Your name in this circle").fill(my_name)
    form.get_by_role("button", name="Start the circle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name, timeout=SLOW)


def open_circle(page: Page, name: str) -> None:
    go_to(page, "Circles")
    page.get_by_role("button", name=f"Open: {name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def make_invite(page: Page, label: str) -> str:
    """On the circle's page (its admin): an invite link for `label`."""
    shown = page.get_by_test_id("invite-link")
    before = shown.inner_text() if shown.count() else ""
    page.get_by_label("Who is this invite for?").fill(label)
    page.get_by_role("button", name="Make an invite link").click()
    expect(shown).not_to_have_text(before)
    link = shown.inner_text()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/#join=[A-Za-z0-9_-]{43}", link)
    return link


def ask_to_join(page: Page, my_name: str, link: str | None = None) -> str:
    """Asks to join by `link`, or by the link the app was opened from; returns the safety number shown."""
    go_to(page, "Circles")
    joining = page.get_by_role("region", name="Join a circle")
    if link is not None:
        joining.get_by_label("Invite link").fill(link)
    joining.get_by_label("Your name in this circle").fill(my_name)
    joining.get_by_role("button", name="Ask to join").click()
    number = page.get_by_test_id("join-safety-number")
    expect(number).to_be_visible(timeout=SLOW)
    return number.inner_text()


def approve(page: Page, label: str, safety_number: str) -> None:
    """On the circle's page (its admin): approves the request for `label` once its number matches."""
    page.get_by_role("button", name="Check for requests").click()
    request = page.get_by_test_id("join-request").filter(has_text=label)
    expect(request).to_contain_text(safety_number, timeout=SLOW)
    request.get_by_role("button", name="Approve").click()
    expect(request).to_have_count(0, timeout=SLOW)
    expect(page.get_by_text("Approved. They are now a member.")).to_be_visible()


def join_circle(admin: Page, member: Page, circle: str, label: str) -> None:
    """The admin (on the circle's page) invites; `member`, a set-up app, joins with that link."""
    link = make_invite(admin, label)
    approve(admin, label, ask_to_join(member, label, link))
    synced(member)
    open_circle(member, circle)


def reference_member(admin: Page, server_url: str, name: str) -> CircleReplica:
    """A further member, played by the reference client: the admin (on the circle's page) invites
    and approves it, comparing the safety number, and it names itself in the circle."""
    link = make_invite(admin, name)
    device = Device.new(server_url)
    device.register()
    device.sign_in()
    invite, _ = request_to_join(device, unb64u(link.split("#join=", 1)[1]))
    approve(admin, name, safety_number(device.keys.public, invite.inviter))
    replica = device.join_circle(invite.circle_id, invite.genesis_hash, shared=True)
    replica.write({"kind": "member", "name": name})
    replica.push()
    return replica


def push_unreadable(member: CircleReplica) -> None:
    """A member pushes a record of random bytes: the server cannot tell it from a real one."""
    member.refresh()
    envelope = tampering.unreadable_envelope(member.circle_id, member.verified.epoch)
    change = {"change_id": b64u(primitives.random_bytes(16)), "base_seq": None, "envelope": envelope}
    member.device.call("POST", f"{member.path}/changes", {"changes": [change]})


def leave_with_a_bad_key(member: CircleReplica) -> None:
    """A member leaves by a v1 entry committing to one key and sealing another to everyone who
    stays; after the log's v2 entries the server refuses it (PROTOCOL §8, "No way back")."""
    member.refresh()
    state, me = member.verified, member.device.keys.device_id
    committed, sealed = circle_keys.new_epoch_key(), circle_keys.new_epoch_key()
    entry = membership.leave(member.device.keys, state, committed)
    envelopes = [
        circle_keys.seal_key_envelope(member.circle_id, state.epoch + 1, m.identity, sealed)
        for device_id, m in state.members.items()
        if device_id != me
    ]
    with pytest.raises(ApiError) as refused:
        member.device.call("POST", f"{member.path}/log", {"entry": entry, "key_envelopes": envelopes})
    assert refused.value.code == "invalid_operation"


def write_note(page: Page, title: str, text: str) -> None:
    """On a circle's page: writes a new note and waits until it shows."""
    page.get_by_role("button", name="Write a note").click()
    form = page.get_by_role("form", name="Write a note")
    # The form puts the focus on its first field as it opens; typing waits for that.
    expect(form.get_by_label("Title")).to_be_focused()
    form.get_by_label("Title").fill(title)
    form.get_by_label("Note", exact=True).fill(text)
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("note").filter(has_text=text)).to_be_visible()


def edit_note(page: Page, title: str, text: str) -> None:
    """On a circle's page: replaces the text of the note `title` and waits until it shows."""
    page.get_by_role("button", name=f"Edit: {title}").click()
    form = page.get_by_role("form", name=f"Edit: {title}")
    expect(form.get_by_label("Title")).to_be_focused()
    form.get_by_label("Note", exact=True).fill(text)
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("note").filter(has_text=text)).to_be_visible()


@dataclass
class DeviceContents:
    """Everything a device keeps, opened with its passphrase."""

    records: list[dict[str, Any]]
    state: dict[str, Any]

    def bodies(self, kind: str) -> list[dict[str, Any]]:
        return [r["body"] for r in self.records if r["kind"] == kind and r["body"] is not None]

    @property
    def kem_private(self) -> bytes:
        return unb64u(self.state["device"]["kemPrivate"])


def device_contents(page: Page, passphrase: str = PASSPHRASE) -> DeviceContents:
    """Reads the app's IndexedDB as stored and opens every item with the vault key the passphrase
    unwraps (PROTOCOL §5), as the Python implementation of the protocol does it."""
    raw = page.evaluate(
        """async () => {
            const db = await new Promise((ok, no) => {
                const r = indexedDB.open('support-circle');
                r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
            });
            const read = (store) => new Promise((ok) => {
                const tx = db.transaction(store).objectStore(store);
                const keys = tx.getAllKeys(); const values = tx.getAll();
                values.onsuccess = () => ok(keys.result.map((k, i) => [k, values.result[i]]));
            });
            const out = { meta: await read('meta'), records: await read('records'), state: await read('state') };
            db.close();
            return out;
        }"""
    )
    vault = dict(raw["meta"])["vault"]
    vault_key, vault_id = unlock_with_passphrase(vault, passphrase), unb64u_id(vault["vault_id"])

    def opened(store: str, key: str, item: object) -> Any:
        return json.loads(open_local(vault_key, vault_id, store, key, item))

    records = [{"id": key, **opened("records", key, item)} for key, item in raw["records"]]
    state = {key: opened("state", key, item) for key, item in raw["state"]}
    return DeviceContents(records, state)
