// The outbox and pulled revisions, as the sync engine will drive them, on fake-indexeddb (an
// in-memory IndexedDB for Node); real Chromium comes later in the pytest/Playwright tests.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../crypto/json';
import type { Ally } from '../records';
import { ally, answer, rawGet, TestClock, testStore, uniqueName } from '../testing/storage';
import { newRecordId } from './ids';
import type { Session } from './session';

const HLC = (n: number) => `17672256000${String(n).padStart(2, '0')}-0000-device`;

async function synced(session: Session, id: string, seq: number, body: JsonObject | null): Promise<void> {
  await session.markSent(id, { changeId: `mine-${seq}`, hlc: HLC(seq), body });
  await session.settle(id, seq, HLC(seq));
}

async function fresh(): Promise<{ session: Session; clock: TestClock; name: string }> {
  const clock = new TestClock();
  const name = uniqueName();
  const { session } = await testStore(clock, name).createVault('p');
  return { session, clock, name };
}

describe('the outbox', () => {
  it('lists unsynced records oldest first, with what sync needs', async () => {
    const { session, clock } = await fresh();
    const [a, b] = [newRecordId(), newRecordId()];
    await session.put('plan', b, answer({ shareable: true }));
    clock.advance(10);
    await session.put('ally', a, ally());
    clock.advance(10);
    await session.put('plan', b, answer({ shareable: true, answer: 'edited later' }));
    const pending = await session.pending();
    expect(pending.map((p) => [p.recordId, p.kind, p.circle, p.base, p.sent])).toEqual([
      [b, 'plan', undefined, null, null],
      [a, 'ally', undefined, null, null],
    ]);
    expect(pending[0]!.body).toEqual(answer({ shareable: true, answer: 'edited later' }));
  });

  it('settle sets the base and removes the entry in one step', async () => {
    const { session } = await fresh();
    const id = newRecordId();
    await session.put('ally', id, ally());
    await synced(session, id, 7, ally());
    expect(await session.pending()).toEqual([]);
    expect((await session.get('ally', id))?.unsynced).toBe(false);
    await session.put('ally', id, ally({ availability: 'weekends' }));
    expect((await session.pending())[0]!.base).toEqual({ seq: 7, hlc: HLC(7), body: ally() });
  });

  it('keeps an edit made while the previous one was being sent', async () => {
    const { session } = await fresh();
    const id = newRecordId();
    await session.put('ally', id, ally());
    await session.markSent(id, { changeId: 'c1', hlc: HLC(1), body: ally(), envelope: { ct: 'sealed bytes' } });
    expect((await session.pending())[0]!.sent).toEqual({
      changeId: 'c1',
      hlc: HLC(1),
      body: ally(),
      envelope: { ct: 'sealed bytes' },
    });
    await session.put('ally', id, ally({ trustNotes: 'typed during the send' }));
    await session.settle(id, 1, HLC(1));
    const [left] = await session.pending();
    expect(left).toMatchObject({ recordId: id, sent: null, base: { seq: 1, body: ally() } });
    expect(left!.body).toEqual(ally({ trustNotes: 'typed during the send' }));
  });

  it('refuses to settle what was not sent, or to mark sent what is not pending', async () => {
    const { session } = await fresh();
    const id = newRecordId();
    await expect(session.markSent(id, { changeId: 'c', hlc: HLC(1), body: null })).rejects.toMatchObject({
      code: 'not_pending',
    });
    await session.put('ally', id, ally());
    await expect(session.settle(id, 1, HLC(1))).rejects.toMatchObject({ code: 'not_pending' });
  });

  it('keeps a deletion as a tombstone until the server has it, then forgets the record', async () => {
    const { session, name } = await fresh();
    const id = newRecordId();
    await session.put('ally', id, ally());
    await synced(session, id, 3, ally());
    await session.remove('ally', id);
    expect(await session.get('ally', id)).toBeUndefined();
    expect((await session.pending()).map((p) => [p.recordId, p.body])).toEqual([[id, null]]);
    await synced(session, id, 4, null);
    expect(await session.pending()).toEqual([]);
    expect(await rawGet(name, 'records', id)).toBeUndefined();
  });

  it('keeps cursors per circle, never moving back', async () => {
    const { session } = await fresh();
    expect(await session.cursor('c1')).toBe(0);
    await session.setCursor('c1', 10);
    await session.setCursor('c2', 4);
    await session.setCursor('c1', 8);
    expect([await session.cursor('c1'), await session.cursor('c2')]).toEqual([10, 4]);
  });
});

describe('pulled revisions', () => {
  it('merge with an unsynced local edit without losing a word', async () => {
    const { session } = await fresh();
    const id = newRecordId();
    await session.put('ally', id, ally());
    await synced(session, id, 1, ally());
    await session.put('ally', id, ally({ trustNotes: 'local words about trust', reach: 'new number 0700' }));

    const theirs = ally({ trustNotes: 'remote words about trust', availability: 'mornings only' });
    expect(await session.applyRemote('ally', id, { seq: 2, hlc: HLC(2), changeId: 'theirs', body: theirs })).toBe(
      'merged',
    );

    const merged = (await session.get('ally', id))!;
    expect(merged.unsynced).toBe(true);
    expect(merged.body).toEqual({
      ...ally({ trustNotes: 'local words about trust', reach: 'new number 0700', availability: 'mornings only' }),
      _conflicts: [{ field: 'trustNotes', value: 'remote words about trust', hlc: HLC(2) }],
    } satisfies Ally);
    const [change] = await session.pending();
    expect(change).toMatchObject({ recordId: id, base: { seq: 2, body: theirs }, sent: null });
  });

  it('an edit beats a deletion made elsewhere, and a sent change goes back to be sealed again', async () => {
    const { session } = await fresh();
    const id = newRecordId();
    await session.put('plan', id, answer());
    await synced(session, id, 1, answer());
    await session.put('plan', id, answer({ answer: 'kept' }));
    await session.markSent(id, { changeId: 'stale', hlc: HLC(5), body: answer({ answer: 'kept' }) });
    expect(await session.applyRemote('plan', id, { seq: 2, hlc: HLC(2), changeId: 'gone', body: null })).toBe('merged');
    expect((await session.get('plan', id))?.body.answer).toBe('kept');
    expect((await session.pending())[0]).toMatchObject({ base: { seq: 2, body: null }, sent: null });
  });

  it('take a revision of a record with no local changes, and ignore one already known', async () => {
    const { session } = await fresh();
    const id = newRecordId();
    expect(await session.applyRemote('plan', id, { seq: 4, hlc: HLC(4), changeId: 'x', body: answer() })).toBe(
      'applied',
    );
    expect(await session.get('plan', id)).toEqual({ id, kind: 'plan', body: answer(), unsynced: false, hlc: HLC(4) });
    expect(await session.pending()).toEqual([]);
    expect(
      await session.applyRemote('plan', id, { seq: 3, hlc: HLC(3), changeId: 'old', body: answer({ answer: 'old' }) }),
    ).toBe('known');
    expect((await session.get('plan', id))?.body).toEqual(answer());
    await expect(
      session.applyRemote('ally', id, { seq: 5, hlc: HLC(5), changeId: 'y', body: ally() }),
    ).rejects.toMatchObject({ code: 'kind_mismatch' });
  });

  it("settle this device's own change when it comes back in a pull", async () => {
    const { session } = await fresh();
    const id = newRecordId();
    await session.put('ally', id, ally());
    await session.markSent(id, { changeId: 'mine', hlc: HLC(9), body: ally() });
    expect(await session.applyRemote('ally', id, { seq: 9, hlc: HLC(9), changeId: 'mine', body: ally() })).toBe(
      'settled',
    );
    expect(await session.pending()).toEqual([]);
    expect((await session.get('ally', id))?.unsynced).toBe(false);
  });
});

describe('records of shared circles', () => {
  it('stay in the circle they were written in: a revision of another circle under the same id changes nothing', async () => {
    const { session } = await fresh();
    const [id, circle, other] = [newRecordId(), newRecordId(), newRecordId()];
    await session.put('note', id, { title: 'Thursday', text: 'library' }, circle);
    expect((await session.pending()).map((p) => p.circle)).toEqual([circle]);
    expect((await session.list('note', circle)).map((r) => r.body.text)).toEqual(['library']);
    expect(await session.list('note')).toEqual([]);
    expect(await session.list('note', other)).toEqual([]);
    await expect(
      session.applyRemote(
        'note',
        id,
        { seq: 9, hlc: HLC(9), changeId: 'x', body: { title: 'forged', text: '' } },
        other,
      ),
    ).rejects.toMatchObject({ code: 'circle_mismatch' });
    await expect(
      session.applyRemote('note', id, { seq: 9, hlc: HLC(9), changeId: 'x', body: { title: 'forged', text: '' } }),
    ).rejects.toMatchObject({ code: 'circle_mismatch' });
    await expect(session.put('note', id, { title: 'moved', text: '' })).rejects.toMatchObject({
      code: 'circle_mismatch',
    });
    expect((await session.get('note', id))?.body.title).toBe('Thursday');
  });
});
