"""An app's browser storage as JSON: IndexedDB (every database, store, key and value) and
localStorage, read out of a page and written into another one of the same app."""

from typing import Any

from playwright.sync_api import Page

_DUMP = """async () => {
    const request = (r) => new Promise((ok, no) => {
        r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
    });
    const databases = {};
    for (const {name, version} of await indexedDB.databases()) {
        const db = await request(indexedDB.open(name));
        const stores = {};
        for (const store of db.objectStoreNames) {
            const tx = db.transaction(store).objectStore(store);
            const [keys, values] = await Promise.all([request(tx.getAllKeys()), request(tx.getAll())]);
            stores[store] = keys.map((key, i) => [key, values[i]]);
        }
        db.close();
        databases[name] = {version, stores};
    }
    return {indexedDB: databases, localStorage: {...localStorage}};
}"""

_LOAD = """async (dump) => {
    const request = (r) => new Promise((ok, no) => {
        r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
    });
    for (const [name, {version, stores}] of Object.entries(dump.indexedDB)) {
        const opening = indexedDB.open(name, version);
        opening.onupgradeneeded = () => {
            for (const store of Object.keys(stores)) opening.result.createObjectStore(store);
        };
        const db = await request(opening);
        const tx = db.transaction(Object.keys(stores), 'readwrite');
        for (const [store, entries] of Object.entries(stores))
            for (const [key, value] of entries) tx.objectStore(store).put(value, key);
        await new Promise((ok, no) => { tx.oncomplete = ok; tx.onerror = () => no(tx.error); });
        db.close();
    }
    for (const [key, value] of Object.entries(dump.localStorage)) localStorage.setItem(key, value);
}"""


def dump(page: Page) -> dict[str, Any]:
    """Everything the app keeps in this browser, as plain JSON (the app stores no binary values)."""
    stored: dict[str, Any] = page.evaluate(_DUMP)
    return stored


def load(page: Page, stored: dict[str, Any]) -> None:
    """Writes a dump into the app's origin, as if that browser had always held it; reload after."""
    page.evaluate(_LOAD, stored)
