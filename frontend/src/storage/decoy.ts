/**
 * What the duress passphrase opens (§5 "Duress wrap"): the decoy, one item of fixed size kept
 * in `meta` beside the vault, always present. Without a duress passphrase, or when it erases, the
 * item is random bytes of the same length, so nothing stored tells whether a decoy exists.
 *
 * Opened, the decoy is a set of sealed stores (records, outbox, state) under the duress key, held
 * in memory by a MemoryDb and written back whole, into the same fixed size, after every change.
 */
import { b64u, fromUtf8, utf8 } from '../crypto/encoding';
import { expectObject, parseJson } from '../crypto/json';
import { NONCE_BYTES, randomBytes, TAG_BYTES } from '../crypto/primitives';
import { type LocalItem, openLocal, sealLocal } from '../crypto/vault';
import { SEALED_STORES, type SealedStore } from './db';
import { StorageError } from './errors';
import { emptyItems, type SealedItems } from './memoryDb';

/** `meta` keys: the duress wrap and the decoy. Both are always there (see createVault). */
export const DURESS_KEY = 'duress';
export const DECOY_KEY = 'decoy';

/**
 * The decoy's plaintext is always this long (spaces after the JSON), one byte under §4's largest
 * bucket, so its ciphertext is always 65,552 bytes.
 */
const DECOY_TEXT_BYTES = 65535;
const DECOY_CT_BYTES = DECOY_TEXT_BYTES + 1 + TAG_BYTES;
const DECOY_FORMAT = 1;
// Bound to its place, as every local item is (§5): it opens only as the decoy.
const DECOY_STORE = 'decoy';

/** A decoy no key opens: what a vault keeps when the duress passphrase is not set, or erases. */
export function fillerDecoy(): LocalItem {
  const ct = new Uint8Array(DECOY_CT_BYTES);
  // getRandomValues fills at most 65,536 bytes a call.
  for (let at = 0; at < ct.length; at += 65536) ct.set(randomBytes(Math.min(65536, ct.length - at)), at);
  return { v: 1, nonce: b64u(randomBytes(NONCE_BYTES)), ct: b64u(ct) };
}

/** The stores sealed into the decoy; `decoy_full` when they do not fit its fixed size. */
export async function sealDecoy(duressKey: Uint8Array, vaultId: Uint8Array, items: SealedItems): Promise<LocalItem> {
  const lists = Object.fromEntries(SEALED_STORES.map((store) => [store, [...items[store]]]));
  const json = utf8(JSON.stringify({ v: DECOY_FORMAT, ...lists }));
  if (json.length > DECOY_TEXT_BYTES) throw new StorageError('decoy_full');
  const text = new Uint8Array(DECOY_TEXT_BYTES).fill(0x20);
  text.set(json);
  return sealLocal(duressKey, vaultId, DECOY_STORE, DECOY_KEY, text);
}

/** The stores in the decoy; `damaged` when it does not open under this key or is not of this form. */
export async function openDecoy(duressKey: Uint8Array, vaultId: Uint8Array, item: unknown): Promise<SealedItems> {
  try {
    const text = fromUtf8(await openLocal(duressKey, vaultId, DECOY_STORE, DECOY_KEY, item));
    const fields = expectObject(parseJson(text), ['v', ...SEALED_STORES]);
    if (fields['v'] !== DECOY_FORMAT) throw new StorageError('damaged');
    const items = emptyItems();
    for (const store of SEALED_STORES) fill(items, store, fields[store]);
    return items;
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError('damaged', { cause: error });
  }
}

function fill(items: SealedItems, store: SealedStore, list: unknown): void {
  if (!Array.isArray(list)) throw new StorageError('damaged');
  for (const entry of list) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') throw new StorageError('damaged');
    items[store].set(entry[0], expectObject(entry[1], ['v', 'nonce', 'ct']) as unknown as LocalItem);
  }
}

/**
 * Spends the time opening a decoy takes, on the path that opens something else, so the two
 * unlocks do the same work. The item does not open under this key; that is the point.
 */
export async function openDecoyInVain(key: Uint8Array, vaultId: Uint8Array, item: unknown): Promise<void> {
  await openLocal(key, vaultId, DECOY_STORE, DECOY_KEY, item).catch(() => undefined);
}
