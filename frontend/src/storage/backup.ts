/**
 * Encrypted backups: the vault object and every sealed item, exactly as stored (ciphertext only),
 * in one JSON file. Restoring one brings back this device's identity too: it is a restore of the
 * same device, not a second device.
 */

import { fillerWrap } from '../crypto/duress';
import { expectObject, isObject, parseJson } from '../crypto/json';
import type { LocalItem } from '../crypto/vault';
import { type Db, inTransaction, SEALED_STORES, type SealedStore } from './db';
import { DECOY_KEY, DURESS_KEY, fillerDecoy } from './decoy';
import { StorageError } from './errors';
import { FRESH_GUARD, GUARD_KEY } from './guard';
import { readVault, VAULT_KEY } from './vaultMeta';

// The file's first words are read by anyone who opens it: they name no app. Files written before
// carry the app's name, and still restore.
const FORMAT = 'encrypted-backup';
const FORMATS_READ: readonly string[] = [FORMAT, 'support-circle-backup'];
export const BACKUP_MEDIA_TYPE = 'application/json';

export type Items = Record<SealedStore, [string, LocalItem][]>;

interface Backup {
  readonly format: typeof FORMAT;
  readonly v: 1;
  readonly vault: unknown;
  readonly items: Items;
}

async function storeItems(db: Db, store: SealedStore): Promise<[string, LocalItem][]> {
  const tx = db.transaction(store, 'readonly');
  const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll(), tx.done]);
  return keys.map((key, i) => [key, values[i]!]);
}

/** The backup file of everything stored. The attempt guard is left out: it belongs to this device. */
export async function exportBackup(db: Db): Promise<Blob> {
  return backupFile(await readVault(db), await sealedItems(db));
}

/** Every sealed item of every sealed store, as stored. */
export async function sealedItems(db: Db): Promise<Items> {
  const lists = await Promise.all(SEALED_STORES.map((store) => storeItems(db, store)));
  return Object.fromEntries(SEALED_STORES.map((store, i) => [store, lists[i]])) as Items;
}

/** The backup file of a vault object and its sealed items (a decoy's, held in memory, too). */
export function backupFile(vault: unknown, items: Items): Blob {
  const backup: Backup = { format: FORMAT, v: 1, vault, items };
  return new Blob([JSON.stringify(backup)], { type: BACKUP_MEDIA_TYPE });
}

function parseItem(entry: unknown): [string, LocalItem] {
  if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') throw new StorageError('bad_backup');
  const item = expectObject(entry[1], ['v', 'nonce', 'ct']);
  if (item['v'] !== 1 || typeof item['nonce'] !== 'string' || typeof item['ct'] !== 'string')
    throw new StorageError('bad_backup');
  return [entry[0], item as unknown as LocalItem];
}

function parseItems(list: unknown): [string, LocalItem][] {
  if (!Array.isArray(list)) throw new StorageError('bad_backup');
  return list.map(parseItem);
}

/**
 * The backup in `text`, checked in form only: its items open (or fail, `damaged`) after unlocking,
 * and the vault object is checked in full by unlocking.
 *
 * Contract: anything but a backup of this form (not strict JSON, another format or version,
 * missing or extra members, an item not of PROTOCOL §5's form) is `bad_backup`.
 */
export function parseBackup(text: string): Backup {
  try {
    const top = expectObject(parseJson(text), ['format', 'v', 'vault', 'items']);
    const stores = expectObject(top['items'], SEALED_STORES);
    if (
      typeof top['format'] !== 'string' ||
      !FORMATS_READ.includes(top['format']) ||
      top['v'] !== 1 ||
      !isObject(top['vault'])
    )
      throw new StorageError('bad_backup');
    const items = Object.fromEntries(SEALED_STORES.map((s) => [s, parseItems(stores[s])])) as Items;
    return { format: FORMAT, v: 1, vault: top['vault'], items };
  } catch (error) {
    throw error instanceof StorageError ? error : new StorageError('bad_backup', { cause: error });
  }
}

/**
 * Writes a parsed backup into an app without a vault, in one transaction: all of it or nothing.
 * Rejects with `vault_exists` when this device already has a vault (it is never overwritten).
 */
export async function importBackup(db: Db, backup: Backup): Promise<void> {
  if ((await db.get('meta', VAULT_KEY)) !== undefined) throw new StorageError('vault_exists');
  await inTransaction(db, ['meta', ...SEALED_STORES], (tx) => [
    ...SEALED_STORES.map((store) => () => tx.objectStore(store).clear()),
    // add, not put: a vault created meanwhile (another tab) makes the whole import fail.
    () => tx.objectStore('meta').add(backup.vault, VAULT_KEY),
    () => tx.objectStore('meta').put({ ...FRESH_GUARD }, GUARD_KEY),
    // A backup carries the vault, never its duress passphrase or decoy: this device starts without one.
    () => tx.objectStore('meta').put(fillerWrap(), DURESS_KEY),
    () => tx.objectStore('meta').put(fillerDecoy(), DECOY_KEY),
    ...SEALED_STORES.flatMap((store) =>
      backup.items[store].map(
        ([key, item]) =>
          () =>
            tx.objectStore(store).put(item, key),
      ),
    ),
  ]);
}
