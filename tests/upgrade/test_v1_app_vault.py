"""The app vault and backup file made by the v1 release (tests/fixtures/v1/app-vault.json and
app-backup.json, from v1's app in Chromium) open with today's Python reference: PROTOCOL §5's vault
object unlocks with the passphrase and the recovery key, and every sealed item opens where it is kept."""

import json
from typing import Any

import pytest

from support_circle.protocol import vault
from support_circle.protocol.encoding import unb64u
from tests.upgrade.v1 import FIXTURES, load

APP = load("app.json")
SEALED = ("records", "outbox", "state")


def _stored() -> tuple[Any, dict[str, list[Any]]]:
    stores = load("app-vault.json")["indexedDB"]["support-circle"]["stores"]
    return dict(stores["meta"])["vault"], {store: stores[store] for store in SEALED}


def _backup() -> tuple[Any, dict[str, list[Any]]]:
    backup = json.loads((FIXTURES / "app-backup.json").read_text())
    assert (backup["format"], backup["v"]) == ("support-circle-backup", 1)
    return backup["vault"], backup["items"]


@pytest.mark.parametrize("read", [_stored, _backup], ids=["vault", "backup"])
def test_a_v1_app_vault_unlocks_and_every_sealed_item_opens(read: Any) -> None:
    """Fixture made by the v1 release: the app's IndexedDB, and the backup file it exported."""
    vault_object, items = read()
    key = vault.unlock_with_passphrase(vault_object, APP["passphrase"])
    assert vault.unlock_with_recovery(vault_object, APP["recovery_text"]) == key
    vault_id = unb64u(vault_object["vault_id"])
    opened = [vault.open_local(key, vault_id, store, k, item) for store in SEALED for k, item in items[store]]
    assert items["records"] and items["state"]
    words = b"\n".join(opened)
    for answer in [*APP["plan"].values(), APP["ally"]["name"], APP["ally"]["reach"]]:
        assert json.dumps(answer).encode() in words
