/**
 * The sealed stores of a decoy (duress.ts), held in memory and written back whole after every
 * committed transaction, so a decoy Session runs the very code a vault's Session runs.
 *
 * It does what Session, slots.ts and inTransaction ask of IndexedDB and nothing more: get, put,
 * add, delete, clear, getAll and getAllKeys (keys in order), in transactions that commit all of
 * their writes or none. Unlike IndexedDB, `add` overwrites a key that exists, and `abort()` counts
 * only in the turn the requests are issued (as inTransaction calls it); nothing here needs more.
 */
import type { LocalItem } from '../crypto/vault';
import { SEALED_STORES, type SealedStore } from './db';

export type SealedItems = Record<SealedStore, Map<string, LocalItem>>;

/** Called with the stores as a transaction leaves them; the transaction commits only if it resolves. */
export type Commit = (items: SealedItems) => Promise<void>;

export function emptyItems(): SealedItems {
  return Object.fromEntries(SEALED_STORES.map((store) => [store, new Map()])) as SealedItems;
}

function copy(items: SealedItems): SealedItems {
  return Object.fromEntries(SEALED_STORES.map((store) => [store, new Map(items[store])])) as SealedItems;
}

function sortedKeys(map: Map<string, LocalItem>): string[] {
  return [...map.keys()].sort();
}

export class MemoryDb {
  #items: SealedItems;
  readonly #commit: Commit;
  /** Commits run one after another, each on the stores the one before left. */
  #committing: Promise<void> = Promise.resolve();

  constructor(items: SealedItems, commit: Commit) {
    this.#items = items;
    this.#commit = commit;
  }

  get(store: SealedStore, key: string): Promise<LocalItem | undefined> {
    return Promise.resolve(this.#items[store].get(key));
  }

  transaction(names: SealedStore | SealedStore[], _mode: 'readonly' | 'readwrite'): MemoryTransaction {
    return new MemoryTransaction(this, typeof names === 'string' ? [names] : names);
  }

  /** Reads see what has committed; writes wait for the commits before them. */
  read(): SealedItems {
    return this.#items;
  }

  apply(writes: readonly ((items: SealedItems) => void)[]): Promise<void> {
    const run = this.#committing.then(async () => {
      if (writes.length === 0) return;
      const next = copy(this.#items);
      for (const write of writes) write(next);
      await this.#commit(next);
      this.#items = next;
    });
    this.#committing = run.catch(() => undefined);
    return run;
  }
}

class MemoryTransaction {
  readonly #writes: ((items: SealedItems) => void)[] = [];
  #aborted = false;
  readonly done: Promise<void>;
  readonly store: MemoryStore;
  readonly #db: MemoryDb;

  constructor(db: MemoryDb, names: SealedStore[]) {
    this.#db = db;
    this.store = this.objectStore(names[0]!);
    // As IndexedDB: the requests issued in this turn belong to the transaction, then it commits.
    this.done = Promise.resolve().then(() => {
      if (this.#aborted) throw new DOMException('The transaction was aborted.', 'AbortError');
      return this.#db.apply(this.#writes);
    });
  }

  objectStore(name: SealedStore): MemoryStore {
    const items = () => this.#db.read()[name];
    const write = (change: (map: Map<string, LocalItem>) => void) => {
      this.#writes.push((next) => change(next[name]));
      return Promise.resolve(undefined);
    };
    return {
      get: (key) => Promise.resolve(items().get(key)),
      getAll: () => Promise.resolve(sortedKeys(items()).map((key) => items().get(key)!)),
      getAllKeys: () => Promise.resolve(sortedKeys(items())),
      put: (item, key) => write((map) => map.set(key, item)),
      add: (item, key) => write((map) => map.set(key, item)),
      delete: (key) => write((map) => map.delete(key)),
      clear: () => write((map) => map.clear()),
    };
  }

  abort(): void {
    this.#aborted = true;
  }
}

interface MemoryStore {
  get(key: string): Promise<LocalItem | undefined>;
  getAll(): Promise<LocalItem[]>;
  getAllKeys(): Promise<string[]>;
  put(item: LocalItem, key: string): Promise<undefined>;
  add(item: LocalItem, key: string): Promise<undefined>;
  delete(key: string): Promise<undefined>;
  clear(): Promise<undefined>;
}
