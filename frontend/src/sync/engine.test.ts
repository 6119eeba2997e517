// The sync engine's triggers and status, against a server faked at the edge (./testing.ts), with
// the real storage on fake-indexeddb.
import { describe, expect, it } from 'vitest';
import { b64u } from '../crypto/encoding';
import { newRecordId, type Session } from '../storage';
import { ally, answer, testStore } from '../testing/storage';
import { type FakeServer, fakeServer, quietEngine } from '../testing/sync';
import type { SyncEngine, SyncOptions } from './engine';
import type { Fetch } from './transport/api';

async function withRecords(): Promise<Session> {
  const { session } = await testStore().createVault('p');
  await session.put('plan', newRecordId(), answer());
  await session.put('ally', newRecordId(), ally());
  return session;
}

function engine(session: Session, server: FakeServer, options: Partial<SyncOptions> = {}): SyncEngine {
  return quietEngine(session, server.fetch, options);
}

const pulls = (server: FakeServer) => server.calls.filter((c) => /^GET \/v1\/circles\/[^/]+\/changes$/.test(c)).length;

describe('the sync engine', () => {
  it('makes the personal circle, syncs on start and says it is up to date', async () => {
    const server = fakeServer();
    const session = await withRecords();
    const sync = engine(session, server);
    const seen: string[] = [];
    sync.subscribe((s) => seen.push(s.state));
    expect(await sync.syncNow()).toEqual({ state: 'up-to-date', waiting: 0 });
    expect(seen).toContain('syncing');
    expect(server.circles.size).toBe(1);
    // The two records, this device's own note (its name and the day it synced), and the note of its
    // recovery identity (§15), which the person's devices do not list as a device.
    expect([...server.circles.values()][0]?.changes).toHaveLength(4);
    const notes = await session.list('device');
    expect(notes.filter((d) => d.body.recovery !== true).map((d) => d.id)).toEqual([
      b64u(session.deviceKeys.public.deviceId),
    ]);
    expect(notes.filter((d) => d.body.recovery === true)).toHaveLength(1);
    sync.stop();
  });

  it('a new device that only named itself makes no circle, so it can still be linked to another', async () => {
    const server = fakeServer();
    const { session } = await testStore().createVault('p');
    const sync = engine(session, server);
    await sync.devices.renameThis('Work phone');
    expect(server.circles.size).toBe(0);
    expect((await sync.devices.list()).map((d) => d.name)).toEqual(['Work phone']);
    sync.stop();
  });

  it('offline: keeps the changes and says so, then syncs them when back online', async () => {
    const server = fakeServer();
    server.offline = true;
    const events = new EventTarget();
    const sync = engine(await withRecords(), server, { events });
    const status = await sync.syncNow();
    expect(status).toMatchObject({ state: 'offline', waiting: 2 });
    expect(status).not.toHaveProperty('message'); // the status line says "offline" once, with the count
    server.offline = false;
    events.dispatchEvent(new Event('online'));
    await sync.syncNow();
    expect(sync.status).toEqual({ state: 'up-to-date', waiting: 0 });
    sync.stop();
  });

  it('never runs two syncs at once: requests during a sync make one more sync, not several', async () => {
    const server = fakeServer();
    const events = new EventTarget();
    const sync = engine(await withRecords(), server, { events });
    await sync.syncNow();
    const before = pulls(server);
    let release: () => void = () => undefined;
    server.gate = new Promise<void>((resolve) => (release = resolve));
    const first = sync.syncNow();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the first sync is now waiting on the server
    for (const name of ['focus', 'online', 'visibilitychange', 'focus']) events.dispatchEvent(new Event(name));
    const more = sync.syncNow();
    server.gate = undefined;
    release();
    await Promise.all([first, more]);
    expect(pulls(server) - before).toBe(2);
    sync.stop();
  });

  it('a saved edit counts as waiting at once and leaves with no other trigger', async () => {
    const server = fakeServer();
    const session = await withRecords();
    const sync = engine(session, server);
    await sync.syncNow();
    const stored = () => [...server.circles.values()][0]?.changes.length ?? 0;
    const before = stored();
    let release: () => void = () => undefined;
    server.gate = new Promise<void>((resolve) => (release = resolve));
    await session.put('plan', newRecordId(), answer());
    await until(() => sync.status.waiting === 1);
    expect(sync.status.state).not.toBe('up-to-date');
    server.gate = undefined;
    release();
    await until(() => sync.status.state === 'up-to-date' && sync.status.waiting === 0);
    expect(stored()).toBe(before + 1);
    sync.stop();
  });

  it('an idle engine stays quiet: its own sync writes nothing that makes another', async () => {
    const server = fakeServer();
    const sync = engine(await withRecords(), server);
    await sync.syncNow();
    // The sync its own device record starts, which ends by checking the escrow (§15), may still run.
    await until(() => server.calls.at(-1)?.startsWith('GET /v1/recovery/') === true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const calls = server.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.calls.slice(calls)).toEqual([]);
    sync.stop();
  });

  it('stopping does not revoke the sign-in under a push already sent', async () => {
    const server = fakeServer();
    const session = await withRecords();
    const sync = engine(session, server);
    await sync.syncNow();
    // The first sync signs its recovery identity out after putting the escrow (§15): only later ones count.
    const signOuts = () => server.calls.filter((c) => c === 'DELETE /v1/auth/token').length;
    const before = signOuts();
    let release: () => void = () => undefined;
    server.gate = new Promise<void>((resolve) => (release = resolve));
    const sent = server.calls.length;
    await session.put('plan', newRecordId(), answer());
    // The sync the new answer starts has a request on its way (held at the gate) when the engine stops.
    await until(() => server.calls.length > sent);
    sync.stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(signOuts()).toBe(before);
    server.gate = undefined;
    release();
    await until(() => signOuts() > before);
  });

  it('a stopped engine sends nothing after its sign-out, though its sync was on its way', async () => {
    // Settings saved mid-sync (a registration code, say) stop one engine and start another: two
    // syncing one vault at once made the personal circle twice and appended to its log twice.
    const server = fakeServer();
    const sync = engine(await withRecords(), server);
    let release: () => void = () => undefined;
    server.gate = new Promise<void>((resolve) => (release = resolve));
    const running = sync.syncNow();
    await until(() => server.calls.length > 0);
    sync.stop();
    const sent = server.calls.length;
    server.gate = undefined;
    release();
    await running;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.calls.slice(sent).filter((c) => c !== 'DELETE /v1/auth/token')).toEqual([]);
    expect(server.circles.size).toBe(0);
  });

  it('a stopped engine sends nothing but its sign-out, also when asked to after it', async () => {
    // Once the sign-out was on its way every request went out again: the live stream's reconnect
    // then met the revoked token, and its 401 sent the loop to the locked vault.
    const server = fakeServer();
    const session = await withRecords();
    const sync = engine(session, server);
    const circleId = await sync.circles.start({ name: 'Around me', purpose: 'supports-me', myName: 'Mere' });
    const signOuts = () => server.calls.filter((c) => c === 'DELETE /v1/auth/token').length;
    const before = signOuts();
    sync.stop();
    await until(() => signOuts() > before);
    const sent = server.calls.length;
    await expect(sync.invites.asks(circleId)).rejects.toThrow();
    expect(server.calls.slice(sent)).toEqual([]);
  });

  it('says plainly when the server asks for a registration code, and keeps the changes', async () => {
    const server = fakeServer();
    const refusing: Fetch = async (input, init) =>
      input === '/v1/devices'
        ? new Response(JSON.stringify({ code: 'registration_code_required', message: 'x' }), {
            status: 403,
            headers: { 'content-type': 'application/json' },
          })
        : server.fetch(input, init);
    const sync = engine(await withRecords(), server, { fetchImpl: refusing });
    expect(await sync.syncNow()).toMatchObject({ state: 'error', waiting: 2, reason: 'registration_needed' });
    sync.stop();
  });

  it('warns clearly when the server tampered with the circle', async () => {
    const server = fakeServer();
    const session = await withRecords();
    const sync = engine(session, server);
    await sync.syncNow();
    const circle = [...server.circles.values()][0];
    circle?.log.splice(0, 1, { ...(circle.log[0] as object), sig: circle.log[0] === undefined ? '' : 'A'.repeat(86) });
    sync.stop();
    const again = engine(session, server);
    const status = await again.syncNow();
    expect(status).toMatchObject({ state: 'error', reason: 'tampered' });
    expect(status.detail).toContain('genesis_mismatch');
    again.stop();
  });

  it('tells the person what their own circle set aside, until they have read it', async () => {
    // The replica's part (an unlinked device's words placed late, a clock far ahead: PROTOCOL §7) is
    // the placement vectors' and the circle tests'; here, what the person is told of it.
    const server = fakeServer();
    const session = await withRecords();
    const sync = engine(session, server);
    expect(await sync.syncNow()).toEqual({ state: 'up-to-date', waiting: 0 });
    const personal = [...server.circles.keys()][0] as string;
    await session.setState(`aside:${personal}`, [
      { seq: 3, author: null, reason: 'malformed' },
      { seq: 7, author: null, reason: 'epoch_ended' },
    ]);
    expect(await sync.syncNow()).toEqual({ state: 'up-to-date', waiting: 0, notice: 'placed_late' });
    await sync.dismissNotice();
    expect(sync.status.notice).toBeUndefined();
    expect(await session.getState(`aside:${personal}`)).toEqual([{ seq: 3, author: null, reason: 'malformed' }]);
    expect(await sync.syncNow()).toEqual({ state: 'up-to-date', waiting: 0 });
    sync.stop();
  });

  it('stays off for another server, saying why, and sends nothing', async () => {
    const server = fakeServer();
    const sync = engine(await withRecords(), server, { serverUrl: 'https://other.example' });
    expect(sync.status).toEqual({ state: 'off', waiting: 0, reason: 'other_server' });
    await sync.syncNow().catch(() => undefined);
    expect(server.calls).toEqual([]);
    sync.stop();
  });

  it('stops when the vault locks, and stop() is final', async () => {
    const server = fakeServer();
    const session = await withRecords();
    const sync = engine(session, server);
    await sync.syncNow();
    session.lock();
    expect((await sync.syncNow()).state).toBe('off');
    // Signing out follows the last sync's requests; nothing else does.
    const syncing = () => server.calls.filter((c) => c !== 'DELETE /v1/auth/token').length;
    const calls = syncing();
    await sync.syncNow();
    expect(syncing()).toBe(calls);
  });

  it('a lock while a sync counts what waits stops it quietly, rejecting nothing', async () => {
    // The vault locks a moment after unlock, while the first sync reads what waits: the sync must
    // stop, not reject (every trigger drops the promise, so a rejection would go unhandled).
    const server = fakeServer();
    const session = await withRecords();
    const lockingMidRead = new Proxy(session, {
      get(target, name) {
        if (name === 'getState')
          return (key: string) => {
            target.lock();
            return target.getState(key);
          };
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const sync = engine(lockingMidRead, server);
    await expect(sync.syncNow()).resolves.toMatchObject({ state: 'off' });
    expect(server.calls).toEqual([]);
  });

  it('a stream refused as the vault locks and the engine stops rejects nothing', async () => {
    // The lock stops the engine, whose sign-out revokes the token under the live stream: the
    // stream's 401 then came back to a loop that opened a new connection on the locked vault, and
    // its rejection went unhandled ("locked" in the page, seen in full browser runs).
    const server = fakeServer();
    const session = await withRecords();
    const unhandled: unknown[] = [];
    const note = (reason: unknown) => unhandled.push(reason);
    // Node's own event (the tests run in Node): the app's types know no `process`.
    const node = (globalThis as unknown as { process: NodeEvents }).process;
    node.on('unhandledRejection', note);
    let sync: SyncEngine | null = null;
    let refused = false;
    const refusing: Fetch = async (input, init) => {
      if (input !== '/v1/events') return server.fetch(input, init);
      await until(() => sync !== null);
      session.lock();
      sync?.stop();
      refused = true;
      return Response.json({ code: 'unauthorized', message: 'Sign in again.' }, { status: 401 });
    };
    sync = engine(session, server, { fetchImpl: refusing, live: true });
    await until(() => refused);
    await new Promise((resolve) => setTimeout(resolve, 50));
    node.off('unhandledRejection', note);
    expect(unhandled).toEqual([]);
  });

  it('syncs on live events, and again after the stream drops and reconnects', async () => {
    const server = fakeServer();
    let streams = 0;
    const withEvents: Fetch = async (input, init) => {
      if (input !== '/v1/events') return server.fetch(input, init);
      streams += 1;
      const frames =
        'event: ready\ndata: {"keepalive_seconds":15}\n\nevent: changes\ndata: {"circle_id":"c","seq":1}\n\n';
      return new Response(frames, { headers: { 'content-type': 'text/event-stream' } });
    };
    const sync = engine(await withRecords(), server, { fetchImpl: withEvents, live: true });
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    sync.stop();
    expect(streams).toBeGreaterThanOrEqual(2);
    expect(pulls(server)).toBeGreaterThanOrEqual(2);
  });
});

interface NodeEvents {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): void;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): void;
}

/** Resolves once `done()` holds, checking every few milliseconds (fails the test after 2 s). */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 2_000) throw new Error('the condition did not hold within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
