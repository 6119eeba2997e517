// Backups, wiping and persistent storage, on fake-indexeddb (an in-memory IndexedDB for Node);
// real Chromium comes later in the pytest/Playwright tests.
import { describe, expect, it } from 'vitest';
import { b64u } from '../crypto/encoding';
import { ally, answer, rawContents, TestClock, testStore, uniqueName } from '../testing/storage';
import { newRecordId } from './ids';
import { requestPersistence } from './persistence';

describe('backups', () => {
  it('export, wipe, import and unlock restores everything, unsynced edits included', async () => {
    const clock = new TestClock();
    const name = uniqueName();
    const store = testStore(clock, name);
    const { session } = await store.createVault('the backup passphrase');
    const [rosa, plan] = [newRecordId(), newRecordId()];
    await session.put('ally', rosa, ally());
    await session.put('plan', plan, answer({ allyIds: [rosa] }));
    await session.markSent(rosa, { changeId: 'c', hlc: 'h', body: ally() });
    await session.settle(rosa, 1, 'h');
    await session.setCursor('circle', 1);
    const deviceId = b64u(session.deviceKeys.public.deviceId);
    const pending = await session.pending();

    const file = await session.exportBackup();
    expect(file.type).toBe('application/json');
    const text = await file.text();
    for (const word of ['Auntie Rosa', 'Elm Street', 'the backup passphrase']) expect(text).not.toContain(word);
    // Whoever opens the file reads its first words: they name no app.
    expect(text.slice(0, text.indexOf('"vault"'))).toBe('{"format":"encrypted-backup","v":1,');

    await store.wipe();
    expect(session.locked).toBe(true);
    expect(await store.hasVault()).toBe(false);

    const restoredStore = testStore(clock, name);
    await restoredStore.importBackup(new Blob([text]));
    const restored = await restoredStore.unlock('the backup passphrase');
    expect(await restored.get('ally', rosa)).toEqual({
      id: rosa,
      kind: 'ally',
      body: ally(),
      unsynced: false,
      hlc: 'h',
    });
    expect((await restored.get('plan', plan))?.body).toEqual(answer({ allyIds: [rosa] }));
    expect(await restored.pending()).toEqual(pending);
    expect(await restored.cursor('circle')).toBe(1);
    expect(b64u(restored.deviceKeys.public.deviceId)).toBe(deviceId);
  });

  it('imports only into an empty app, and only a backup', async () => {
    const store = testStore();
    const { session } = await store.createVault('p');
    const file = await session.exportBackup();
    await expect(store.importBackup(file)).rejects.toMatchObject({ code: 'vault_exists' });

    const empty = testStore();
    const backup = JSON.parse(await file.text()) as Record<string, unknown>;
    const variants = [
      'not json',
      '{}',
      JSON.stringify({ ...backup, format: 'other' }),
      JSON.stringify({ ...backup, extra: 1 }),
      JSON.stringify({ ...backup, items: { records: [['k', { v: 1, nonce: 3, ct: '' }]], outbox: [], state: [] } }),
    ];
    for (const text of variants)
      await expect(empty.importBackup(new Blob([text]))).rejects.toMatchObject({ code: 'bad_backup' });
    expect(await empty.hasVault()).toBe(false);
  });

  it('restores a file written before backups stopped naming the app', async () => {
    const { session } = await testStore().createVault('p');
    const backup = JSON.parse(await (await session.exportBackup()).text()) as Record<string, unknown>;
    const older = testStore();
    await older.importBackup(new Blob([JSON.stringify({ ...backup, format: 'support-circle-backup' })]));
    expect(await older.hasVault()).toBe(true);
  });
});

describe('wipe', () => {
  it('deletes the database and locks every open session', async () => {
    const name = uniqueName();
    const store = testStore(new TestClock(), name);
    const { session } = await store.createVault('p');
    await session.put('ally', newRecordId(), ally());
    await store.wipe();
    expect(session.locked).toBe(true);
    await expect(session.list('ally')).rejects.toMatchObject({ code: 'locked' });
    const contents = await rawContents(name);
    expect(Object.values(contents).every((items) => items.length === 0)).toBe(true);
  });
});

describe('persistent storage', () => {
  const manager = (persisted: boolean, persist: boolean | Error) =>
    ({
      persisted: async () => persisted,
      persist: async () => {
        if (persist instanceof Error) throw persist;
        return persist;
      },
    }) as unknown as StorageManager;

  it('reports granted, refused or unsupported', async () => {
    expect(await requestPersistence(manager(true, false))).toBe('granted');
    expect(await requestPersistence(manager(false, true))).toBe('granted');
    expect(await requestPersistence(manager(false, false))).toBe('refused');
    expect(await requestPersistence(manager(false, new Error('no')))).toBe('unsupported');
    expect(await requestPersistence({} as StorageManager)).toBe('unsupported');
  });
});
