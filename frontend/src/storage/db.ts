/** The IndexedDB schema: the only place that names stores. */
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB, type StoreNames } from 'idb';
import type { LocalItem } from '../crypto/vault';

export const DEFAULT_DB_NAME = 'support-circle';
const DB_VERSION = 1;

/**
 * `meta` holds what must be read before unlocking, and so cannot be sealed: the vault object (its
 * keys are wrapped, PROTOCOL §5) and the attempt guard (a failure count, a time and a setting; no
 * content). Every other store holds sealed LocalItems only, under keys that carry no content.
 */
export interface Schema extends DBSchema {
  meta: { key: string; value: unknown };
  records: { key: string; value: LocalItem };
  outbox: { key: string; value: LocalItem };
  state: { key: string; value: LocalItem };
}

export type Db = IDBPDatabase<Schema>;
export type SealedStore = 'records' | 'outbox' | 'state';
export const SEALED_STORES: readonly SealedStore[] = ['records', 'outbox', 'state'];
export type WriteTx<S extends StoreNames<Schema>[]> = IDBPTransaction<Schema, S, 'readwrite'>;

/** Opens (and on first use creates) the database; `onBlocking` runs when another tab wipes or upgrades it. */
export function openDatabase(name: string, onBlocking: () => void, onTerminated: () => void): Promise<Db> {
  return openDB<Schema>(name, DB_VERSION, {
    upgrade(db) {
      db.createObjectStore('meta');
      for (const store of SEALED_STORES) db.createObjectStore(store);
    },
    blocking: onBlocking,
    terminated: onTerminated,
  });
}

/** Issues one request of a transaction. */
export type Request = () => Promise<unknown>;

/**
 * Runs the requests `work` lists in one readwrite transaction, and resolves once it has committed
 * (`tx.done`).
 *
 * Contract: either every request is committed or none is: a request that fails or throws aborts
 * the whole transaction, and the call rejects with that error. The requests must not await
 * anything else (IndexedDB commits a transaction left idle), so seal before, never inside.
 */
export async function inTransaction<S extends StoreNames<Schema>[]>(
  db: Db,
  stores: S,
  work: (tx: WriteTx<S>) => Request[],
): Promise<void> {
  const tx = db.transaction(stores, 'readwrite');
  const issued: Promise<unknown>[] = [];
  try {
    for (const request of work(tx)) issued.push(request());
  } catch (error) {
    tx.abort();
    await Promise.allSettled([...issued, tx.done]);
    throw error;
  }
  await Promise.all([...issued, tx.done]);
}
