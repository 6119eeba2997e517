/** Reading and writing a record together with its outbox entry, sealed, in one transaction. */
import type { LocalItem } from '../crypto/vault';
import { type Db, inTransaction } from './db';
import type { OpenedItems } from './openedItems';
import { openJson, sealJson, type VaultKeys } from './sealed';
import type { OutboxEntry, Slot, StoredRecord } from './transitions';

async function openOrNull<T>(
  keys: VaultKeys,
  store: 'records' | 'outbox',
  id: string,
  item: LocalItem | undefined,
): Promise<T | null> {
  return item === undefined ? null : openJson<T>(keys, store, id, item);
}

/** The record `id` and its outbox entry, read in one transaction; `damaged` if either fails to open. */
export async function readSlot(db: Db, keys: VaultKeys, id: string): Promise<Slot> {
  const tx = db.transaction(['records', 'outbox'], 'readonly');
  const [record, entry] = await Promise.all([
    tx.objectStore('records').get(id),
    tx.objectStore('outbox').get(id),
    tx.done,
  ]);
  return {
    record: await openOrNull<StoredRecord>(keys, 'records', id, record),
    entry: await openOrNull<OutboxEntry>(keys, 'outbox', id, entry),
  };
}

/**
 * Writes (or deletes, where null) the record `id` and its outbox entry, sealed first, then in one
 * transaction. Resolves only once that transaction has committed; on any failure neither is written.
 */
export async function writeSlot(db: Db, keys: VaultKeys, id: string, slot: Slot): Promise<void> {
  // Both seals start at once, so a lock() arriving meanwhile cannot leave one sealed and not the other.
  const [record, entry] = await Promise.all([
    slot.record === null ? null : sealJson(keys, 'records', id, slot.record),
    slot.entry === null ? null : sealJson(keys, 'outbox', id, slot.entry),
  ]);
  await inTransaction(db, ['records', 'outbox'], (tx) => [
    () => (record === null ? tx.objectStore('records').delete(id) : tx.objectStore('records').put(record, id)),
    () => (entry === null ? tx.objectStore('outbox').delete(id) : tx.objectStore('outbox').put(entry, id)),
  ]);
}

/**
 * Every item of a sealed store with its key, opened; `damaged` if any fails to open. With `opened`
 * (the store's items this session opened before), an item unchanged since is not decrypted again.
 */
export async function openAll<T>(
  db: Db,
  keys: VaultKeys,
  store: 'records' | 'outbox',
  opened?: OpenedItems,
): Promise<{ id: string; value: T }[]> {
  const tx = db.transaction(store, 'readonly');
  const [ids, items] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll(), tx.done]);
  if (opened !== undefined) return opened.every<T>(keys, ids, items);
  return Promise.all(ids.map(async (id, i) => ({ id, value: await openJson<T>(keys, store, id, items[i]) })));
}
