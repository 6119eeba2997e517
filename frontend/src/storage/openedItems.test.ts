// A session's records read again: only what changed is decrypted, and the kept plaintexts never
// stand in for an item that changed (fake-indexeddb, the session's real code, WebCrypto counted).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ally, rawGet, rawPut, TestClock, testStore, uniqueName } from '../testing/storage';
import { newRecordId } from './ids';

async function vaultWithAllies(count: number) {
  const name = uniqueName();
  const { session } = await testStore(new TestClock(), name).createVault('p');
  const ids = Array.from({ length: count }, () => newRecordId());
  for (const [i, id] of ids.entries()) await session.put('ally', id, ally({ name: `Person ${i}` }));
  return { name, session, ids };
}

function countDecrypts() {
  return vi.spyOn(crypto.subtle, 'decrypt');
}

afterEach(() => vi.restoreAllMocks());

describe('reading the records again', () => {
  it('decrypts only the record written since the last read', async () => {
    const { session, ids } = await vaultWithAllies(3);
    await session.list('ally');
    const decrypts = countDecrypts();
    expect((await session.list('ally')).map((r) => r.body.name).sort()).toEqual(['Person 0', 'Person 1', 'Person 2']);
    expect(decrypts).toHaveBeenCalledTimes(0);
    await session.put('ally', ids[1]!, ally({ name: 'Rosa' }));
    decrypts.mockClear(); // the write itself reads its record first
    expect((await session.list('ally')).map((r) => r.body.name).sort()).toEqual(['Person 0', 'Person 2', 'Rosa']);
    expect(decrypts).toHaveBeenCalledTimes(1);
  });

  it('gives each read objects of its own', async () => {
    const { session } = await vaultWithAllies(1);
    const [first] = await session.list('ally');
    (first!.body.roles as string[]).push('facilitator');
    const [again] = await session.list('ally');
    expect(again!.body.roles).toEqual(['supports-me']);
  });

  it('refuses an item changed in storage since it was opened, as damaged', async () => {
    const { name, session, ids } = await vaultWithAllies(2);
    await session.list('ally');
    const item = (await rawGet(name, 'records', ids[0]!)) as { ct: string };
    const flipped = (item.ct[0] === 'A' ? 'B' : 'A') + item.ct.slice(1);
    await rawPut(name, 'records', ids[0]!, { ...item, ct: flipped });
    await expect(session.list('ally')).rejects.toMatchObject({ code: 'damaged' });
  });

  it('refuses an opened item copied under another record id, as damaged', async () => {
    const { name, session, ids } = await vaultWithAllies(2);
    await session.list('ally');
    await rawPut(name, 'records', ids[1]!, await rawGet(name, 'records', ids[0]!));
    await expect(session.list('ally')).rejects.toMatchObject({ code: 'damaged' });
  });

  it('shares nothing between sessions: the one after a lock opens every record again', async () => {
    const name = uniqueName();
    const store = testStore(new TestClock(), name);
    const { session } = await store.createVault('p');
    await session.put('ally', newRecordId(), ally());
    await session.list('ally');
    session.lock();
    await expect(session.list('ally')).rejects.toMatchObject({ code: 'locked' });
    const next = await store.unlock('p');
    const decrypts = countDecrypts();
    expect(await next.list('ally')).toHaveLength(1);
    expect(decrypts).toHaveBeenCalledTimes(1);
  });
});
