// The circle replica against a server faked at the edge (./testing.ts), with the real storage on
// fake-indexeddb and the real protocol code: what the app accepts, and that no edit is ever lost.
import { describe, expect, it } from 'vitest';
import { newEpochKey, sealKeyEnvelope } from '../../crypto/circleKeys';
import { b64u, unb64u } from '../../crypto/encoding';
import { ProtocolError } from '../../crypto/errors';
import { makeIdentity } from '../../crypto/identity';
import { makeRotate } from '../../crypto/membership';
import { newRecordId, type Session } from '../../storage';
import { ally, answer, testStore } from '../../testing/storage';
import { type FakeServer, fakeServer } from '../../testing/sync';
import { BAD_RESPONSE } from '../errors';
import { Connection } from '../transport/connection';
import { Clock } from './clock';
import { ensurePersonal } from './personal';
import { CircleReplica } from './replica';

interface Device {
  session: Session;
  api: Connection;
  clock: Clock;
}

async function device(server: FakeServer): Promise<Device> {
  const { session } = await testStore().createVault('p');
  return {
    session,
    api: new Connection(session.deviceKeys, { fetchImpl: server.fetch }),
    clock: new Clock(session.deviceKeys.public.deviceId),
  };
}

/** Device A's personal circle with device B admitted to it, and both replicas. */
async function twoDevices(
  server: FakeServer,
): Promise<{ a: Device; b: Device; mine: CircleReplica; theirs: CircleReplica }> {
  const [a, b] = [await device(server), await device(server)];
  await b.api.signIn(); // registers B, as asking to join does
  const mine = await ensurePersonal(a.api, a.session, a.clock);
  await mine.approve('request-1', makeIdentity(b.session.deviceKeys), 'admin');
  const theirs = new CircleReplica(b.api, b.session, mine.circleId, mine.genesisHash, { clock: b.clock });
  return { a, b, mine, theirs };
}

/** Epoch 1, begun by A's signed rotate, which the server appends with every member's key. */
async function rotatedByTheServer(server: FakeServer, a: Device, mine: CircleReplica) {
  const state = await mine.verified();
  const key = newEpochKey();
  const circle = server.circles.get(mine.id)!;
  circle.log.push(await makeRotate(a.session.deviceKeys, state, key, circle.changes.length));
  circle.epoch = 1;
  for (const member of state.members.values())
    circle.envelopes.push(await sealKeyEnvelope(mine.circleId, 1, member.identity, key));
  return circle;
}

/** A's personal circle holding one answer (`words`) that B has not pulled yet, and its record id. */
async function oneAnswerToPull(words = 'an answer') {
  const server = fakeServer();
  const devices = await twoDevices(server);
  const id = newRecordId();
  await devices.a.session.put('plan', id, answer({ answer: words }));
  await devices.mine.sync();
  return { server, id, ...devices };
}

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  return (error as ProtocolError).code;
}

describe('a circle replica', () => {
  it('pushes plan answers and allies, and another device pulls exactly those; settings stay on the device', async () => {
    const server = fakeServer();
    const { a, b, mine, theirs } = await twoDevices(server);
    const [planId, allyId, settingsId] = [newRecordId(), newRecordId(), newRecordId()];
    await a.session.put('plan', planId, answer());
    await a.session.put('ally', allyId, ally());
    await a.session.put('settings', settingsId, {
      serverUrl: '',
      lockAfterMinutes: 5,
      quickExitUrl: 'https://weather.example',
    });
    expect(await mine.sync()).toEqual({ pulled: 0, pushed: 2 });
    expect((await a.session.pending()).map((p) => p.kind)).toEqual(['settings']);
    expect(await theirs.sync()).toEqual({ pulled: 2, pushed: 0 });
    expect((await b.session.get('plan', planId))?.body).toEqual(answer());
    expect((await b.session.get('ally', allyId))?.body).toEqual(ally());
    expect(await b.session.get('settings', settingsId)).toBeUndefined();
  });

  it('resends a push whose answer was lost with the same change id, and the server keeps it once', async () => {
    const server = fakeServer();
    const a = await device(server);
    const mine = await ensurePersonal(a.api, a.session, a.clock);
    const id = newRecordId();
    await a.session.put('ally', id, ally());
    server.loseNextPushAnswer = true;
    await expect(mine.push()).rejects.toMatchObject({ code: 'network_unreachable' });
    expect(await a.session.pending()).toHaveLength(1);
    await mine.push();
    const changes = server.circles.get(mine.id)?.changes ?? [];
    expect(changes).toHaveLength(1);
    expect(await a.session.pending()).toEqual([]);
  });

  it('merges concurrent edits of one record: different fields both stay, the same field keeps the other words as a conflict', async () => {
    const server = fakeServer();
    const { a, b, mine, theirs } = await twoDevices(server);
    const id = newRecordId();
    await a.session.put('ally', id, ally());
    await mine.sync();
    await theirs.sync();
    await a.session.put('ally', id, ally({ reach: 'new number', trustNotes: 'written on A' }));
    await b.session.put('ally', id, ally({ availability: 'weekends', trustNotes: 'written on B' }));
    await mine.sync();
    await theirs.sync(); // stale_base: pulls A's edit, merges, pushes the merge
    await mine.sync();
    const [onA, onB] = [(await a.session.get('ally', id))?.body, (await b.session.get('ally', id))?.body];
    expect(onA).toEqual(onB);
    expect(onA).toMatchObject({ reach: 'new number', availability: 'weekends', trustNotes: 'written on B' });
    // The words A wrote, with A's revision's clock: who wrote them, and when.
    expect(onA?._conflicts).toEqual([
      {
        field: 'trustNotes',
        value: 'written on A',
        hlc: expect.stringMatching(new RegExp(`-${b64u(a.session.deviceKeys.public.deviceId)}$`)),
      },
    ]);
  });

  it('seals the same words again under a new epoch when the push is refused as stale_epoch', async () => {
    const server = fakeServer();
    const { a, b, mine, theirs } = await twoDevices(server);
    await theirs.refresh(); // B holds the epoch-0 key only
    const circle = await rotatedByTheServer(server, a, mine);
    const id = newRecordId();
    await b.session.put('plan', id, answer({ answer: 'written just before the rotation' }));
    expect(await theirs.push()).toBe(1);
    expect(circle.changes[0]?.envelope.epoch).toBe(1);
    await mine.sync();
    expect((await a.session.get('plan', id))?.body.answer).toBe('written just before the rotation');
  });

  it('pulls in one request a page: the counters come with it, and a new head on a page is verified before it is applied', async () => {
    const server = fakeServer();
    const { a, b, mine, theirs } = await twoDevices(server);
    await theirs.sync();
    const before = server.calls.length;
    expect(await theirs.pull()).toBe(0);
    expect(server.calls.slice(before)).toEqual([`GET /v1/circles/${mine.id}/changes`]);
    // A new epoch, and a record sealed under it: the page names the new head, so B verifies the
    // log and opens the new key before it applies the record.
    const circle = await rotatedByTheServer(server, a, mine);
    const id = newRecordId();
    await a.session.put('plan', id, answer({ answer: 'under the new key' }));
    await mine.sync();
    expect(circle.changes.at(-1)?.envelope.epoch).toBe(1);
    const since = server.calls.length;
    expect(await theirs.pull()).toBe(1);
    expect((await b.session.get('plan', id))?.body.answer).toBe('under the new key');
    expect(server.calls.slice(since).filter((c) => c === `GET /v1/circles/${mine.id}`)).toEqual([]);
    expect(server.calls.slice(since)).toContain(`GET /v1/circles/${mine.id}/log`);
  });

  it('asks a server older than counters in the page for them alone', async () => {
    const { server, b, mine, theirs, id } = await oneAnswerToPull('from an older server');
    server.rewritePage = ({ circle: _, ...page }) => page;
    const since = server.calls.length;
    expect(await theirs.pull()).toBe(1);
    expect(server.calls.slice(since)).toContain(`GET /v1/circles/${mine.id}`);
    expect((await b.session.get('plan', id))?.body.answer).toBe('from an older server');
  });

  it.each<[string, (page: Record<string, unknown>) => unknown]>([
    ['no counters', () => null],
    ['a count that is no number', () => ({ change_seq: '1', log_seq: 1, head_hash: 'x' })],
    ['a negative head', () => ({ change_seq: 1, log_seq: -1, head_hash: 'x' })],
    ['counters that end before the page', (page) => ({ ...(page['circle'] as object), change_seq: 0 })],
  ])('refuses a page with %s, and applies nothing', async (_, counters) => {
    const { server, b, mine, theirs, id } = await oneAnswerToPull();
    server.rewritePage = (page) => ({ ...page, circle: counters(page) });
    await expect(theirs.pull()).rejects.toMatchObject({ code: BAD_RESPONSE });
    expect(await b.session.get('plan', id)).toBeUndefined();
    expect(await b.session.cursor(mine.id)).toBe(0);
  });

  it('refuses a change log rolled back behind its cursor, and applies nothing', async () => {
    const server = fakeServer();
    const { a, mine, theirs } = await twoDevices(server);
    await a.session.put('plan', newRecordId(), answer());
    await mine.sync();
    await theirs.sync();
    server.changeSeqOverride = 0;
    expect(await refusal(theirs.pull())).toBe('rolled_back');
  });

  it('refuses a membership log rolled back to before a head it verified, even after a restart', async () => {
    const server = fakeServer();
    const { a, mine } = await twoDevices(server);
    server.circles.get(mine.id)?.log.splice(1);
    const restarted = new CircleReplica(a.api, a.session, mine.circleId, mine.genesisHash, { clock: a.clock });
    expect(await refusal(restarted.refresh())).toBe('rolled_back');
  });

  it('refuses a record the server altered, and neither applies it nor moves the cursor', async () => {
    const server = fakeServer();
    const { a, b, mine, theirs } = await twoDevices(server);
    const id = newRecordId();
    await a.session.put('plan', id, answer());
    await mine.sync();
    const change = server.circles.get(mine.id)?.changes[0];
    const ct = unb64u(change?.envelope['ct']);
    ct[0] = (ct[0] as number) ^ 1;
    change!.envelope['ct'] = b64u(ct);
    expect(await refusal(theirs.pull())).toBe('decrypt_failed');
    expect(await b.session.get('plan', id)).toBeUndefined();
    expect(await b.session.cursor(mine.id)).toBe(0);
  });

  it('refuses an old revision the server serves again under a new number', async () => {
    const server = fakeServer();
    const { a, b, mine, theirs } = await twoDevices(server);
    const id = newRecordId();
    await a.session.put('ally', id, ally({ reach: 'old number' }));
    await mine.sync();
    await a.session.put('ally', id, ally({ reach: 'new number' }));
    await mine.sync();
    await theirs.sync();
    const changes = server.circles.get(mine.id)?.changes ?? [];
    const old = changes[0]!;
    changes.push({ ...old, seq: changes.length + 1, change_id: b64u(new Uint8Array(16).fill(7)) });
    expect(await refusal(theirs.pull())).toBe('rolled_back');
    expect((await b.session.get('ally', id))?.body.reach).toBe('new number');
  });

  it("refuses a revision the server dropped from the middle of a device's chain (withheld)", async () => {
    const server = fakeServer();
    const { a, mine, theirs } = await twoDevices(server);
    const id = newRecordId();
    await a.session.put('ally', id, ally({ reach: 'first' }));
    await mine.sync();
    await theirs.sync();
    await a.session.put('ally', id, ally({ reach: 'second' }));
    await mine.sync();
    await a.session.put('ally', newRecordId(), ally({ reach: 'third' }));
    await mine.sync();
    const changes = server.circles.get(mine.id)?.changes ?? [];
    changes.splice(changes.length - 2, 1);
    expect(await refusal(theirs.pull())).toBe('withheld');
  });

  it('keeps its chain across a restart: an old revision served again after a reload is still refused', async () => {
    const server = fakeServer();
    const { a, b, mine } = await twoDevices(server);
    const id = newRecordId();
    await a.session.put('ally', id, ally({ reach: 'old number' }));
    await mine.sync();
    const first = new CircleReplica(b.api, b.session, mine.circleId, mine.genesisHash, { clock: b.clock });
    await first.sync();
    const changes = server.circles.get(mine.id)?.changes ?? [];
    changes.push({ ...changes[0]!, seq: changes.length + 1, change_id: b64u(new Uint8Array(16).fill(9)) });
    const reloaded = new CircleReplica(b.api, b.session, mine.circleId, mine.genesisHash, { clock: b.clock });
    expect(await refusal(reloaded.pull())).toBe('rolled_back');
  });

  it('refuses a key the server made itself', async () => {
    const server = fakeServer();
    const { b, mine, theirs } = await twoDevices(server);
    const circle = server.circles.get(mine.id);
    const forged = await sealKeyEnvelope(mine.circleId, 0, b.session.deviceKeys.public, newEpochKey());
    circle!.envelopes = circle!.envelopes
      .filter((e) => e.recipient !== b64u(b.session.deviceKeys.public.deviceId))
      .concat(forged);
    expect(await refusal(theirs.refresh())).toBe('key_mismatch');
  });
});
