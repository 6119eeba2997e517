// The sync engine's sealed key/value state, on fake-indexeddb (an in-memory IndexedDB for Node).
import { describe, expect, it } from 'vitest';
import { answer, rawContents, TestClock, testStore, uniqueName } from '../testing/storage';
import { StorageError } from './errors';
import { newRecordId } from './ids';

describe("the sync engine's state", () => {
  it('keeps named values sealed, across lock and unlock, and removes them on undefined', async () => {
    const name = uniqueName();
    const store = testStore(new TestClock(), name);
    const { session } = await store.createVault('p');
    expect(await session.getState('personal')).toBeUndefined();
    await session.setState('personal', { circleId: 'secret-circle-words', n: 3 });
    await session.setState('other', [1, 2]);
    expect(JSON.stringify(await rawContents(name))).not.toContain('secret-circle-words');
    session.lock();
    const again = await store.unlock('p');
    expect(await again.getState('personal')).toEqual({ circleId: 'secret-circle-words', n: 3 });
    await again.setState('personal', undefined);
    expect(await again.getState('personal')).toBeUndefined();
    expect(await again.getState('other')).toEqual([1, 2]);
  });

  it('never touches the device keys or the cursors, whatever the name', async () => {
    const store = testStore();
    const { session } = await store.createVault('p');
    await session.setCursor('c', 5);
    await session.setState('cursors', { c: 0 });
    await session.setState('device', 'not keys');
    expect(await session.cursor('c')).toBe(5);
    session.lock();
    const again = await store.unlock('p');
    expect(again.deviceKeys.public.deviceId).toHaveLength(16);
    expect(await again.getState('device')).toBe('not keys');
  });

  it('refuses after lock', async () => {
    const { session } = await testStore().createVault('p');
    session.lock();
    await expect(session.getState('x')).rejects.toBeInstanceOf(StorageError);
    await expect(session.setState('x', 1)).rejects.toBeInstanceOf(StorageError);
  });
});

describe('the place of a record', () => {
  it('is null for a record this device does not hold', async () => {
    const { session } = await testStore().createVault('p');
    expect(await session.placeOf(newRecordId())).toBeNull();
  });

  it('names its kind and circle, and its base: null until synced, then the revision it builds on', async () => {
    const { session } = await testStore().createVault('p');
    const [id, note, circle] = [newRecordId(), newRecordId(), newRecordId()];
    await session.put('note', note, { title: 't', text: 'x' }, circle);
    expect(await session.placeOf(note)).toEqual({ kind: 'note', circle, base: null });
    await session.put('plan', id, answer());
    expect(await session.placeOf(id)).toEqual({ kind: 'plan', base: null });
    await session.markSent(id, { changeId: 'c', hlc: '1767225600000-0000-d', body: { ...answer() } });
    await session.settle(id, 7, '1767225600000-0000-d');
    expect((await session.placeOf(id))?.base).toEqual({ seq: 7, hlc: '1767225600000-0000-d', body: answer() });
  });
});
