// Linking the person's devices, against a server faked at the edge (./testing.ts) that checks no
// proofs: every check that matters is made by the app.
import { describe, expect, it } from 'vitest';
import { b64u } from '../../crypto/encoding';
import { ProtocolError } from '../../crypto/errors';
import { generateDeviceKeys } from '../../crypto/identity';
import { deriveInvite, linkSecret, makeJoinRequest, newInviteSecret } from '../../crypto/invites';
import { newRecordId, type Session } from '../../storage';
import { ally, answer, testStore } from '../../testing/storage';
import { type FakeServer, fakeServer, TEST_ORIGIN as ORIGIN, quietEngine } from '../../testing/sync';
import type { SyncEngine } from '../engine';

async function device(server: FakeServer, records = false): Promise<{ session: Session; engine: SyncEngine }> {
  const { session } = await testStore().createVault('p');
  if (records) {
    await session.put('plan', newRecordId(), answer());
    await session.put('ally', newRecordId(), ally());
  }
  const engine = quietEngine(session, server.fetch);
  return { session, engine };
}

async function firstRequest(engine: SyncEngine) {
  for (let i = 0; i < 100; i++) {
    const [request] = await engine.links.pending();
    if (request !== undefined) return request;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no request arrived');
}

describe('device links', () => {
  it('link a second device: both show one safety number, and the new device then holds the plan', async () => {
    const server = fakeServer();
    const a = await device(server, true);
    await a.engine.syncNow();
    const b = await device(server);
    const { link } = await a.engine.links.create();
    expect(link).toMatch(/^https:\/\/app\.test\/#link=[A-Za-z0-9_-]{43}$/);
    let shownOnB = '';
    const joined = b.engine.links.join(link, { pollMs: 10, onAsked: (asked) => (shownOnB = asked.safetyNumber) });
    const request = await firstRequest(a.engine);
    expect(request.safetyNumber).toBe(shownOnB);
    expect(request.safetyNumber).toMatch(/^(\d{5} ){7}\d{5}$/);
    await a.engine.links.approve(request.requestId);
    await joined;
    expect(b.engine.status).toEqual({ state: 'up-to-date', waiting: 0 });
    expect((await b.session.list('ally')).map((r) => r.body)).toEqual([ally()]);
    expect((await b.session.list('plan')).map((r) => r.body)).toEqual([answer()]);
    expect(server.circles.size).toBe(1);
    expect(await a.engine.links.pending()).toEqual([]);
  });

  it('leave out a request that does not prove it holds the link, and refuse to approve it', async () => {
    const server = fakeServer();
    const a = await device(server, true);
    await a.engine.syncNow();
    const { link } = await a.engine.links.create();
    const inviteId = b64u((await deriveInvite(linkSecret(link, 'link'))).inviteId);
    // The server makes up a request, with a proof from a secret it invented.
    const forged = { ...(await makeJoinRequest(newInviteSecret(), await generateDeviceKeys())), invite_id: inviteId };
    const [circleId] = [...server.circles.keys()];
    const logged = server.circles.get(circleId as string)?.log.length; // the genesis and the recovery identity (§15)
    server.requests.set('forged', { circleId: circleId as string, inviteId, request: forged, status: 'pending' });
    expect(await a.engine.links.pending()).toEqual([]);
    await expect(a.engine.links.approve('forged')).rejects.toBeInstanceOf(ProtocolError);
    expect(server.circles.get(circleId as string)?.log).toHaveLength(logged as number);
  });

  it('turn a device down: it is told so and gets nothing, and the link is spent', async () => {
    const server = fakeServer();
    const a = await device(server, true);
    await a.engine.syncNow();
    const b = await device(server);
    const { link } = await a.engine.links.create();
    const joined = b.engine.links.join(link, { pollMs: 10 });
    const request = await firstRequest(a.engine);
    await a.engine.links.decline(request.requestId);
    await expect(joined).rejects.toMatchObject({ name: 'SyncError', code: 'link_declined' });
    expect(server.requests.get(request.requestId)?.status).toBe('declined');
    expect(await b.session.list('ally')).toEqual([]);
    expect(await a.engine.links.pending()).toEqual([]);
    await expect(a.engine.links.decline(request.requestId)).rejects.toBeInstanceOf(ProtocolError);
  });

  it('a device that already keeps its own plan in sync does not take another device’s', async () => {
    const server = fakeServer();
    const [a, b] = [await device(server, true), await device(server, true)];
    await a.engine.syncNow();
    await b.engine.syncNow();
    const { link } = await a.engine.links.create();
    await expect(b.engine.links.join(link)).rejects.toMatchObject({ name: 'SyncError', code: 'has_own_plan' });
  });

  it('read the secret from the whole link or alone, and refuse anything else', () => {
    const secret = newInviteSecret();
    expect(linkSecret(`${ORIGIN}/#link=${b64u(secret)}`, 'link')).toEqual(secret);
    expect(linkSecret(` ${b64u(secret)} `, 'link')).toEqual(secret);
    expect(() => linkSecret(`${ORIGIN}/#link=short`, 'link')).toThrow(ProtocolError);
  });
});
