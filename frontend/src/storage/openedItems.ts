/** The plaintexts of one sealed store's items that a session opened, kept to read them again unchanged. */
import type { SealedStore } from './db';
import { openText, parseOpened, type VaultKeys } from './sealed';

interface Opened {
  readonly item: { readonly v: unknown; readonly nonce: unknown; readonly ct: unknown };
  readonly text: string;
}

/**
 * A screen reads every record again after each save, sync and tab change: an item whose members
 * are those of one opened before under the same keys opens to the same text (the same key, nonce,
 * ciphertext and aad, which binds the store and the item's key), so it is not decrypted again.
 *
 * Contract: every(...) gives what openJson would for each item, values parsed afresh so that no
 * two reads share objects; an item changed in any member is opened as new, and fails as openJson
 * does. After close() nothing is kept (a read still running when the session locks keeps nothing).
 */
export class OpenedItems {
  readonly #store: SealedStore;
  #kept: Map<string, Opened> | null = new Map();

  constructor(store: SealedStore) {
    this.#store = store;
  }

  /** Every item of the store, as read whole: what is kept afterwards is exactly these. */
  async every<T>(
    keys: VaultKeys,
    ids: readonly string[],
    items: readonly unknown[],
  ): Promise<{ id: string; value: T }[]> {
    const next = new Map<string, Opened>();
    const texts = await Promise.all(ids.map((id, i) => this.#open(keys, id, items[i], next)));
    if (this.#kept !== null) this.#kept = next;
    return ids.map((id, i) => ({ id, value: parseOpened<T>(texts[i]!) }));
  }

  /** Forgets every plaintext, for good: the session locked. */
  close(): void {
    this.#kept = null;
  }

  async #open(keys: VaultKeys, id: string, item: unknown, next: Map<string, Opened>): Promise<string> {
    const known = this.#kept?.get(id);
    if (known !== undefined && sameItem(known.item, item)) {
      next.set(id, known);
      return known.text;
    }
    const text = await openText(keys, this.#store, id, item);
    if (isItem(item)) next.set(id, { item: { v: item.v, nonce: item.nonce, ct: item.ct }, text });
    return text;
  }
}

function isItem(item: unknown): item is Opened['item'] {
  return typeof item === 'object' && item !== null;
}

/** The same members, compared as stored: an item with anything more fails to open, so is never kept. */
function sameItem(known: Opened['item'], item: unknown): boolean {
  return (
    isItem(item) &&
    Object.keys(item).length === 3 &&
    item.v === known.v &&
    item.nonce === known.nonce &&
    item.ct === known.ct
  );
}
