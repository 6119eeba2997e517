// Records on fake-indexeddb (an in-memory IndexedDB for Node): what is stored, and how it is
// written. Real Chromium's IndexedDB is exercised later by the pytest/Playwright browser tests.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { b64u } from '../crypto/encoding';
import { ally, answer, rawContents, rawGet, rawPut, TestClock, testStore, uniqueName } from '../testing/storage';
import { StorageError } from './errors';
import { newRecordId } from './ids';

const WORDS = [
  'Auntie Rosa',
  '0711 555 0199',
  'bruises',
  'spare key',
  'blue pot',
  'evenings after seven',
  'my brother',
  'Elm Street',
  'safe-places',
  'supports-me',
  'blue kettle at dawn',
  'local-settings.example',
];

describe('what IndexedDB holds', () => {
  it('is ciphertext only: no word written, no passphrase, no key, in any key or value', async () => {
    const name = uniqueName();
    const store = testStore(new TestClock(), name);
    const { session, recoveryText } = await store.createVault('blue kettle at dawn');
    const rosa = newRecordId();
    await session.put('ally', rosa, ally());
    await session.put('plan', newRecordId(), answer({ allyIds: [rosa] }));
    await session.put('settings', newRecordId(), {
      serverUrl: 'https://local-settings.example',
      lockAfterMinutes: 5,
      quickExitUrl: 'https://weather.example',
    });
    await session.markSent(rosa, { changeId: 'c1', hlc: 'h1', body: ally() });
    await session.setCursor('circle-one', 12);

    const dump = JSON.stringify(await rawContents(name));
    const secrets = [
      b64u(session.deviceKeys.signSeed),
      b64u(session.deviceKeys.kemPrivate),
      recoveryText,
      recoveryText.replaceAll(' ', ''),
    ];
    for (const word of [...WORDS, ...secrets, 'weather.example', 'circle-one']) expect(dump).not.toContain(word);
  });

  it('keys records by random ids that say nothing about them', async () => {
    const name = uniqueName();
    const { session } = await testStore(new TestClock(), name).createVault('p');
    const id = newRecordId();
    await session.put('ally', id, ally());
    const contents = await rawContents(name);
    expect(contents['records']!.map(([key]) => key)).toEqual([id]);
    expect(contents['outbox']!.map(([key]) => key)).toEqual([id]);
    expect(contents['meta']!.map(([key]) => key).sort()).toEqual(['decoy', 'duress', 'guard', 'vault']);
    expect(contents['state']!.map(([key]) => key)).toEqual(['device', 'engine:duress', 'engine:escrow']);
  });

  it('refuses an item moved to another key: it does not open', async () => {
    const name = uniqueName();
    const { session } = await testStore(new TestClock(), name).createVault('p');
    const [a, b] = [newRecordId(), newRecordId()];
    await session.put('ally', a, ally({ status: 'barrier' }));
    await session.put('ally', b, ally({ name: 'Sam' }));
    await rawPut(name, 'records', b, await rawGet(name, 'records', a));
    await expect(session.get('ally', b)).rejects.toMatchObject({ code: 'damaged' });
    await expect(session.list('ally')).rejects.toBeInstanceOf(StorageError);
    expect((await session.get('ally', a))?.body.status).toBe('barrier');
  });

  it('refuses ids not made by newRecordId', async () => {
    const { session } = await testStore().createVault('p');
    await expect(session.put('ally', 'rosa', ally())).rejects.toThrow(RangeError);
  });
});

describe('saving', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes the record and its outbox entry together, and resolves once both are committed', async () => {
    const name = uniqueName();
    const { session } = await testStore(new TestClock(), name).createVault('p');
    const id = newRecordId();
    await session.put('ally', id, ally());
    expect(await rawGet(name, 'records', id)).toBeDefined();
    expect(await rawGet(name, 'outbox', id)).toBeDefined();
    expect((await session.pending()).map((p) => p.recordId)).toEqual([id]);
  });

  it('writes neither when the outbox write fails: the transaction aborts as a whole', async () => {
    const name = uniqueName();
    const { session } = await testStore(new TestClock(), name).createVault('p');
    const [saved, lost] = [newRecordId(), newRecordId()];
    await session.put('ally', saved, ally());
    const before = await rawContents(name);

    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args: Parameters<typeof put>
    ) {
      if (this.name === 'outbox') throw new DOMException('the disk is full', 'QuotaExceededError');
      return put.apply(this, args);
    });
    await expect(session.put('ally', lost, ally())).rejects.toThrow('the disk is full');
    await expect(session.put('ally', saved, ally({ name: 'changed' }))).rejects.toThrow('the disk is full');
    vi.restoreAllMocks();

    expect(await rawContents(name)).toEqual(before);
    expect(await session.get('ally', lost)).toBeUndefined();
    expect((await session.get('ally', saved))?.body.name).toBe('Auntie Rosa');
  });

  it('keeps every one of many edits made at once', async () => {
    const { session } = await testStore().createVault('p');
    const ids = Array.from({ length: 12 }, () => newRecordId());
    await Promise.all(ids.map((id, i) => session.put('plan', id, answer({ answer: `answer ${i}` }))));
    await Promise.all(ids.map((id, i) => session.put('plan', id, answer({ answer: `answer ${i} edited` }))));
    const answers = (await session.list('plan')).map((r) => r.body.answer).sort();
    expect(answers).toEqual(ids.map((_, i) => `answer ${i} edited`).sort());
  });

  it('lists two kinds from one read, fresh after a write, and never after lock()', async () => {
    const { session } = await testStore().createVault('p');
    const ana = newRecordId();
    await session.put('ally', ana, ally());
    const [plans, allies] = await Promise.all([session.list('plan'), session.list('ally')]);
    expect([plans.length, allies.length]).toEqual([0, 1]);
    const reading = session.list('ally');
    await session.put('ally', ana, { ...ally(), name: 'Ana, after' });
    expect((await session.list('ally'))[0]?.body.name).toBe('Ana, after');
    await reading;
    const during = session.list('ally');
    session.lock();
    await expect(during).rejects.toMatchObject({ code: 'locked' });
    await expect(session.list('plan')).rejects.toMatchObject({ code: 'locked' });
  });

  it('lists by kind, hides deletions, and refuses an id of another kind', async () => {
    const { session } = await testStore().createVault('p');
    const [a, p] = [newRecordId(), newRecordId()];
    await session.put('ally', a, ally());
    await session.put('plan', p, answer());
    expect((await session.list('ally')).map((r) => r.id)).toEqual([a]);
    expect(await session.get('plan', a)).toBeUndefined();
    await expect(session.put('plan', a, answer())).rejects.toMatchObject({ code: 'kind_mismatch' });
    await session.remove('ally', a);
    expect(await session.list('ally')).toEqual([]);
    // Never synced: nothing to tell the server, so it is gone with its outbox entry.
    expect((await session.pending()).map((c) => c.recordId)).toEqual([p]);
  });
});
