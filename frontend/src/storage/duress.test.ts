// The duress passphrase (PROTOCOL §5 "Duress wrap") on fake-indexeddb, an in-memory IndexedDB for
// Node; the same in real Chromium is tests/browser/test_duress.py.
import { beforeEach, describe, expect, it } from 'vitest';
import { ally, answer, rawContents, rawDelete, TestClock, testStore, uniqueName } from '../testing/storage';
import { StorageError, type StorageErrorCode } from './errors';
import { newRecordId } from './ids';
import type { LocalStore } from './store';

const REAL = 'blue kettle at dawn';
const DURESS = 'grocery list tuesday';

async function code(action: () => Promise<unknown>): Promise<StorageErrorCode> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return (error as StorageError).code;
  }
  throw new Error('expected a StorageError, but it succeeded');
}

/** What an inspector of the device sees: each store's keys, and the size of each item, as JSON text. */
async function shape(name: string) {
  const contents = await rawContents(name);
  return Object.fromEntries(
    Object.entries(contents).map(([store, entries]) => [
      store,
      // Record ids are random: their order says nothing, so the sizes are compared sorted.
      store === 'meta' || store === 'state'
        ? entries.map(([key, value]) => [key, JSON.stringify(value).length])
        : entries.map(([, value]) => JSON.stringify(value).length).sort((a, b) => a - b),
    ]),
  );
}

describe('the duress passphrase', () => {
  let clock: TestClock;
  let name: string;
  let store: LocalStore;
  let rosa: string;

  beforeEach(async () => {
    clock = new TestClock();
    name = uniqueName();
    store = testStore(clock, name);
    const { session } = await store.createVault(REAL);
    rosa = newRecordId();
    await session.put('ally', rosa, ally());
    await session.put('plan', newRecordId(), answer({ allyIds: [rosa] }));
    session.lock();
  });

  it('opens a decoy of its own that never touches the vault', async () => {
    const real = await store.unlock(REAL);
    await real.setDuress(REAL, DURESS, 'decoy');
    expect(await real.duress()).toEqual({ set: true, action: 'decoy' });
    const realDevice = real.deviceId;
    real.lock();
    const before = await rawContents(name);

    const decoy = await store.unlock(DURESS);
    expect(await decoy.list('ally')).toEqual([]);
    expect(await decoy.list('plan')).toEqual([]);
    expect(await decoy.duress()).toEqual({ set: false });
    const neighbour = newRecordId();
    await decoy.put('ally', neighbour, ally({ name: 'Neighbour' }));
    expect(decoy.deviceId).not.toBe(realDevice);
    decoy.lock();

    const after = await rawContents(name);
    for (const store of ['records', 'outbox', 'state'] as const) expect(after[store]).toEqual(before[store]);
    const metaChanged = after['meta']!.filter(([key, value]) => {
      const was = before['meta']!.find(([k]) => k === key)?.[1];
      return JSON.stringify(was) !== JSON.stringify(value);
    });
    expect(metaChanged.map(([key]) => key)).toEqual(['decoy']);

    const again = await testStore(clock, name).unlock(DURESS);
    expect((await again.list('ally')).map((r) => r.body.name)).toEqual(['Neighbour']);
    again.lock();
    const own = await testStore(clock, name).unlock(REAL);
    expect((await own.list('ally')).map((r) => r.id)).toEqual([rosa]);
  });

  it('leaves the same stores, keys and sizes as a vault without one', async () => {
    const plainName = uniqueName();
    const plain = testStore(clock, plainName);
    const { session: other } = await plain.createVault(REAL);
    await other.put('ally', newRecordId(), ally());
    await other.put('plan', newRecordId(), answer({ allyIds: [rosa] }));
    other.lock();
    await (await plain.unlock(REAL)).lock();

    const real = await store.unlock(REAL);
    await real.setDuress(REAL, DURESS, 'decoy');
    real.lock();
    // The person prepares the decoy: an ally and an answer, as the vault holds.
    const decoy = await store.unlock(DURESS);
    await decoy.put('ally', newRecordId(), ally({ name: 'Neighbour' }));
    await decoy.put('plan', newRecordId(), answer());
    decoy.lock();
    await (await store.unlock(REAL)).lock();

    const withDuress = await shape(name);
    const without = await shape(plainName);
    // Every vault keeps a duress setting, empty or not, sealed in one padding bucket.
    expect(withDuress).toEqual(without);
  });

  it('erases the device when it was set to', async () => {
    const real = await store.unlock(REAL);
    await real.setDuress(REAL, DURESS, 'wipe');
    real.lock();
    expect(await code(() => store.unlock(DURESS))).toBe('erased');
    expect(await testStore(clock, name).hasVault()).toBe(false);
  });

  it('is refused when it is the passphrase itself, and needs the current passphrase', async () => {
    const real = await store.unlock(REAL);
    expect(await code(() => real.setDuress(REAL, REAL, 'decoy'))).toBe('same_passphrase');
    expect(await code(() => real.setDuress('not it', DURESS, 'decoy'))).toBe('wrong_passphrase');
    expect(await real.duress()).toEqual({ set: false });
  });

  it('keeps working after the passphrase changes, and stops once removed', async () => {
    const real = await store.unlock(REAL);
    await real.setDuress(REAL, DURESS, 'decoy');
    await real.changePassphrase(REAL, 'new words here');
    real.lock();
    expect(await (await store.unlock(DURESS)).list('ally')).toEqual([]);
    const again = await store.unlock('new words here');
    await again.clearDuress('new words here');
    expect(await again.duress()).toEqual({ set: false });
    again.lock();
    expect(await code(() => store.unlock(DURESS))).toBe('wrong_passphrase');
  });

  it('changes its own passphrase inside the decoy, never the vault', async () => {
    const real = await store.unlock(REAL);
    await real.setDuress(REAL, DURESS, 'decoy');
    real.lock();
    const decoy = await store.unlock(DURESS);
    await decoy.changePassphrase(DURESS, 'other words');
    expect(await decoy.newRecoveryKey('other words')).toMatch(/^([0-9A-Z]{4} ){13}[0-9A-Z]{4}$/);
    decoy.lock();
    expect(await code(() => store.unlock(DURESS))).toBe('wrong_passphrase');
    (await store.unlock('other words')).lock();
    expect((await (await store.unlock(REAL)).list('ally')).map((r) => r.id)).toEqual([rosa]);
  });

  it('refuses a change that does not fit the decoy, and keeps the rest', async () => {
    const real = await store.unlock(REAL);
    await real.setDuress(REAL, DURESS, 'decoy');
    real.lock();
    const decoy = await store.unlock(DURESS);
    const kept = newRecordId();
    await decoy.put('ally', kept, ally({ name: 'Neighbour' }));
    let failure: StorageErrorCode | null = null;
    for (let i = 0; i < 100 && failure === null; i++) {
      failure = await decoy.put('ally', newRecordId(), ally({ whatTheyKnow: 'x'.repeat(900) })).then(
        () => null,
        (error: StorageError) => error.code,
      );
    }
    expect(failure).toBe('decoy_full');
    decoy.lock();
    const again = await store.unlock(DURESS);
    expect((await again.get('ally', kept))?.body.name).toBe('Neighbour');
  });

  it('is counted as a success: it resets the failed attempts', async () => {
    const real = await store.unlock(REAL);
    await real.setDuress(REAL, DURESS, 'decoy');
    real.lock();
    await code(() => store.unlock('wrong one'));
    expect((await store.attempts()).failures).toBe(1);
    (await store.unlock(DURESS)).lock();
    expect((await store.attempts()).failures).toBe(0);
  });
});

describe('the duress passphrase, against mistakes and other tabs', () => {
  let clock: TestClock;
  let name: string;
  let store: LocalStore;

  beforeEach(async () => {
    clock = new TestClock();
    name = uniqueName();
    store = testStore(clock, name);
    const { session } = await store.createVault(REAL);
    await session.put('ally', newRecordId(), ally());
    await session.setDuress(REAL, DURESS, 'decoy');
    session.lock();
  });

  it('opens a vault made before it existed, and gives it the same storage', async () => {
    const plainName = uniqueName();
    const { session } = await testStore(clock, plainName).createVault(REAL);
    session.lock();
    for (const [store_, key] of [
      ['meta', 'duress'],
      ['meta', 'decoy'],
      ['state', 'engine:duress'],
    ] as const) {
      await rawDelete(plainName, store_, key);
    }
    const older = testStore(clock, plainName);
    (await older.unlock(REAL)).lock();
    (await older.unlock(REAL)).lock();
    const keys = (await rawContents(plainName))['meta']!.map(([key]) => key).sort();
    expect(keys).toEqual(['decoy', 'duress', 'guard', 'vault']);
  });

  it('refuses it as the new passphrase, by change or by recovery', async () => {
    const real = await store.unlock(REAL);
    expect(await code(() => real.changePassphrase(REAL, DURESS))).toBe('same_passphrase');
    const text = await real.newRecoveryKey(REAL);
    real.lock();
    expect(await code(() => store.unlockWithRecovery(text, DURESS))).toBe('same_passphrase');
    expect(await (await store.unlock(DURESS)).list('ally')).toEqual([]);
  });

  it('refuses, inside the decoy, the passphrase that opened it, as a vault refuses its own', async () => {
    const decoy = await store.unlock(DURESS);
    expect(await code(() => decoy.setDuress(DURESS, DURESS, 'decoy'))).toBe('same_passphrase');
  });

  it('backs the decoy up as a vault of its own that the duress passphrase opens', async () => {
    const decoy = await store.unlock(DURESS);
    await decoy.put('ally', newRecordId(), ally({ name: 'Neighbour' }));
    const file = await decoy.exportBackup();
    decoy.lock();
    const elsewhere = testStore(clock, uniqueName());
    await elsewhere.importBackup(file);
    const opened = await elsewhere.unlock(DURESS);
    expect((await opened.list('ally')).map((r) => r.body.name)).toEqual(['Neighbour']);
    expect(await code(() => elsewhere.unlock(REAL))).toBe('wrong_passphrase');
  });

  it('stops a decoy open elsewhere from writing over a duress passphrase set since', async () => {
    const decoy = await store.unlock(DURESS);
    const otherTab = testStore(clock, name);
    const real = await otherTab.unlock(REAL);
    await real.setDuress(REAL, 'another pass phrase', 'decoy');
    real.lock();
    expect(await code(() => decoy.put('ally', newRecordId(), ally()))).toBe('locked');
    expect(decoy.locked).toBe(true);
    expect(await (await otherTab.unlock('another pass phrase')).list('ally')).toEqual([]);
  });

  it('says so when the duress passphrase was changed inside the decoy', async () => {
    const decoy = await store.unlock(DURESS);
    await decoy.changePassphrase(DURESS, 'other words');
    decoy.lock();
    const real = await store.unlock(REAL);
    expect(await real.duress()).toEqual({ set: false, changed: true });
  });
});
