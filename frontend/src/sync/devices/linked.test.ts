// The person's own devices: names and last-seen days kept encrypted in the personal circle, and
// removal with a new key, against the fake server (./testing.ts) with real storage and protocol code.
import { describe, expect, it } from 'vitest';
import { b64u } from '../../crypto/encoding';
import { makeIdentity } from '../../crypto/identity';
import { newRecordId } from '../../storage';
import { ally, testStore } from '../../testing/storage';
import { fakeServer } from '../../testing/sync';
import { Clock } from '../replica/clock';
import { ensurePersonal } from '../replica/personal';
import { CircleReplica } from '../replica/replica';
import { ApiError } from '../transport/api';
import { Connection } from '../transport/connection';
import { dayOf, guessDeviceKind, listDevices, noteThisDevice, removeDevice, renameThisDevice } from './linked';

const NOW = Date.UTC(2026, 10, 30, 12);

async function device(server: ReturnType<typeof fakeServer>) {
  const { session } = await testStore().createVault('p');
  return {
    session,
    api: new Connection(session.deviceKeys, { fetchImpl: server.fetch }),
    clock: new Clock(session.deviceKeys.public.deviceId),
  };
}

async function linked() {
  const server = fakeServer();
  const [a, b] = [await device(server), await device(server)];
  await b.api.signIn();
  const mine = await ensurePersonal(a.api, a.session, a.clock);
  await mine.approve('request-1', makeIdentity(b.session.deviceKeys), 'admin');
  const theirs = new CircleReplica(b.api, b.session, mine.circleId, mine.genesisHash, { clock: b.clock });
  return { server, a, b, mine, theirs };
}

describe('linked devices', () => {
  it('guesses a plain name from the browser and notes the day at most once', async () => {
    expect(guessDeviceKind('Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari')).toBe('android-phone');
    expect(guessDeviceKind('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)')).toBe('iphone');
    expect(guessDeviceKind('curl/8')).toBe('other');
    const { session } = await testStore().createVault('p');
    await noteThisDevice(session, NOW, 'Android phone');
    const [first] = await session.pending();
    expect(first?.body).toEqual({ name: 'Android phone', seenOn: dayOf(NOW) });
    // As if synced: the note is no longer waiting.
    await session.markSent(first!.recordId, { changeId: 'c1', hlc: 'h1', body: first!.body });
    await session.settle(first!.recordId, 1, 'h1');
    await noteThisDevice(session, NOW + 1000, 'Android phone');
    expect(await session.pending()).toEqual([]); // the same day: nothing new to send
    await noteThisDevice(session, NOW + 24 * 3600 * 1000, 'Android phone');
    expect((await session.pending()).map((p) => p.body?.['seenOn'])).toEqual([dayOf(NOW + 24 * 3600 * 1000)]);
    await expect(renameThisDevice(session, '   ', NOW)).rejects.toBeInstanceOf(RangeError);
  });

  it('lists both devices by the names they gave themselves, this one first', async () => {
    const { a, b, mine, theirs } = await linked();
    await renameThisDevice(a.session, 'Work phone', NOW);
    await renameThisDevice(b.session, 'Old laptop', NOW);
    await theirs.sync();
    await mine.sync();
    const listed = await listDevices(mine, a.session);
    expect(listed.map((d) => [d.name, d.seenOn, d.thisDevice])).toEqual([
      ['Work phone', dayOf(NOW), true],
      ['Old laptop', dayOf(NOW), false],
    ]);
  });

  it('removes a device with a new key: it gets nothing new, and its note is deleted', async () => {
    const { server, a, b, mine, theirs } = await linked();
    await renameThisDevice(b.session, 'Lost phone', NOW);
    await theirs.sync();
    await mine.sync();
    const lost = b64u(b.session.deviceKeys.public.deviceId);
    await expect(removeDevice(mine, a.session, b64u(a.session.deviceKeys.public.deviceId))).rejects.toBeInstanceOf(
      RangeError,
    );
    await removeDevice(mine, a.session, lost);
    await a.session.put('ally', newRecordId(), ally());
    await mine.sync();

    const circle = server.circles.get(mine.id)!;
    expect(circle.epoch).toBe(1);
    expect(circle.envelopes.filter((e) => e.epoch === 1).map((e) => e.recipient)).toEqual([
      b64u(a.session.deviceKeys.public.deviceId),
    ]);
    expect(circle.changes.at(-1)?.envelope.epoch).toBe(1);
    expect((await listDevices(mine, a.session)).map((d) => d.id)).not.toContain(lost);
    // A second unlink (a retry after a lost answer) is done already: no error, no new epoch.
    await removeDevice(mine, a.session, lost);
    expect(server.circles.get(mine.id)!.epoch).toBe(1);
    const refused = await theirs.sync().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(404);
  });

  it('a device linked after an unlink reads the whole history, older epochs included', async () => {
    const { server, a, b, mine } = await linked();
    const allyId = newRecordId();
    await a.session.put('ally', allyId, ally());
    await mine.sync(); // sealed under epoch 0
    await removeDevice(mine, a.session, b64u(b.session.deviceKeys.public.deviceId));
    const c = await device(server);
    await c.api.signIn();
    await mine.approve('request-2', makeIdentity(c.session.deviceKeys), 'admin');
    const theirs = new CircleReplica(c.api, c.session, mine.circleId, mine.genesisHash, { clock: c.clock });
    await theirs.sync();
    expect((await c.session.get('ally', allyId))?.body).toEqual(ally());
  });
});
