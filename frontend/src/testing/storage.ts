// Helpers for the storage tests, and the sync tests that need a store, only.
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { TEST_PARAMETERS } from '../crypto/vault';
import type { Ally, PlanAnswer } from '../records';
import { LocalStore } from '../storage/store';

let made = 0;

/** A clock the test moves by hand. */
export class TestClock {
  ms = 1_767_225_600_000;
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A store on its own database, with the fast test parameters (never accepted without the option). */
export function testStore(clock = new TestClock(), name = `test-${++made}`): LocalStore {
  return new LocalStore({ name, params: TEST_PARAMETERS, allowTestParameters: true, now: clock.now });
}

export function uniqueName(): string {
  return `test-${++made}`;
}

/** Everything in the database, keys and values, as IndexedDB itself holds it. */
export async function rawContents(name: string): Promise<Record<string, [IDBValidKey, unknown][]>> {
  const db = await openDB(name);
  const contents: Record<string, [IDBValidKey, unknown][]> = {};
  for (const store of db.objectStoreNames) {
    const [keys, values] = await Promise.all([db.getAllKeys(store), db.getAll(store)]);
    contents[store] = keys.map((key, i) => [key, values[i]]);
  }
  db.close();
  return contents;
}

/** Overwrites one raw value, as someone editing the phone's storage could. */
export async function rawPut(name: string, store: string, key: string, value: unknown): Promise<void> {
  const db = await openDB(name);
  await db.put(store, value, key);
  db.close();
}

export async function rawDelete(name: string, store: string, key: string): Promise<void> {
  const db = await openDB(name);
  await db.delete(store, key);
  db.close();
}

export async function rawGet(name: string, store: string, key: string): Promise<unknown> {
  const db = await openDB(name);
  const value: unknown = await db.get(store, key);
  db.close();
  return value;
}

export function ally(overrides: Partial<Ally> = {}): Ally {
  return {
    name: 'Auntie Rosa',
    reach: 'rosa-phone 0711 555 0199',
    roles: ['supports-me'],
    whatTheyKnow: 'knows about the bruises',
    whatIWantThemToKnow: 'the spare key is under the blue pot',
    availability: 'evenings after seven',
    trustNotes: 'never tells my brother anything',
    status: 'ally',
    ...overrides,
  };
}

export function answer(overrides: Partial<PlanAnswer> = {}): PlanAnswer {
  return {
    section: 'safe-places',
    answer: 'the library on Elm Street opens at nine',
    shareable: false,
    allyIds: [],
    ...overrides,
  };
}
