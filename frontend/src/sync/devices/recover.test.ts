// Recovery from the server on a new device (PROTOCOL §15), against the fake server (./testing.ts)
// with real storage on fake-indexeddb and the real protocol code.
import { describe, expect, it } from 'vitest';
import { b64u, unb64u, unb64uId } from '../../crypto/encoding';
import { ProtocolError } from '../../crypto/errors';
import { openEscrow, sealEscrow } from '../../crypto/escrow';
import { generateDeviceKeys, makeIdentity } from '../../crypto/identity';
import { ESCROW, ESCROW_RETIRED, newRecordId, type Session, type StoredEscrow } from '../../storage';
import { ally, testStore } from '../../testing/storage';
import { type FakeServer, fakeServer } from '../../testing/sync';
import { failureText } from '../../ui/failures';
import { NO_ESCROW, RECOVERY_REFUSED } from '../errors';
import { Clock } from '../replica/clock';
import { ensurePersonal, personalReplica, readPersonal } from '../replica/personal';
import type { CircleReplica } from '../replica/replica';
import { ApiError, type Fetch } from '../transport/api';
import { Connection } from '../transport/connection';
import { keepEscrow } from './escrow';
import { listDevices } from './linked';
import { finishRecovery, isRecovering, recoverFromServer } from './recover';
import { REVIEW_DEVICES } from './review';

async function syncedDevice(server: FakeServer) {
  const { session, recoveryText } = await testStore().createVault('old passphrase');
  const api = new Connection(session.deviceKeys, { fetchImpl: server.fetch });
  const circle = await ensurePersonal(api, session, new Clock(session.deviceKeys.public.deviceId));
  await session.put('ally', newRecordId(), ally());
  await circle.sync();
  await keepEscrow(api, session, circle);
  return { session, recoveryText, circle, api };
}

function replicaOf(session: Session, server: FakeServer): Promise<CircleReplica> {
  return readPersonal(session).then((p) =>
    personalReplica(
      new Connection(session.deviceKeys, { fetchImpl: server.fetch }),
      session,
      p!,
      new Clock(session.deviceKeys.public.deviceId),
    ),
  );
}

const memberIds = async (circle: CircleReplica) => [...(await circle.refresh()).members.keys()];

describe('recovery from the server', () => {
  it('takes the plan over with the recovery key alone, and unlinks the old device before anything is written', async () => {
    const server = fakeServer();
    const old = await syncedDevice(server);
    expect(server.escrows.size).toBe(1);
    const changesBefore = server.circles.get(old.circle.id)!.changes.length;

    const fresh = testStore();
    const { session, recoveryText } = await recoverFromServer(fresh, old.recoveryText, 'a new passphrase', {
      fetchImpl: server.fetch,
    });
    expect(recoveryText).not.toBe(old.recoveryText);
    expect(await isRecovering(session)).toBe(false);
    expect(await session.getState(REVIEW_DEVICES)).toBeUndefined(); // no other device to look at
    expect(server.escrows.size).toBe(0); // the old key's escrow is spent
    const circle = await replicaOf(session, server);
    expect(await memberIds(circle)).toEqual([b64u(session.deviceKeys.public.deviceId)]);
    // A rotate before each of the two adds (§8, records exist), the old device out, then the recovery identity.
    expect(server.circles.get(old.circle.id)!.epoch).toBe(4);
    expect(server.circles.get(old.circle.id)!.changes).toHaveLength(changesBefore); // nothing new under the old key

    await circle.sync();
    expect((await session.list('ally')).map((a) => a.body)).toEqual([ally()]);
    await expect(old.circle.sync()).rejects.toMatchObject({ status: 404 });
    await keepEscrow(new Connection(session.deviceKeys, { fetchImpl: server.fetch }), session, circle);
    expect(server.escrows.size).toBe(1);
    session.lock();
    expect(await fresh.unlock('a new passphrase')).toBeDefined();
  });

  it('finishes a hand-over whose answer was lost, without leaving a second new device in the plan', async () => {
    const server = fakeServer();
    const old = await syncedDevice(server);
    let lose = true;
    const losing: Fetch = async (input, init) => {
      const answer = await server.fetch(input, init);
      if (lose && init?.method === 'POST' && input.endsWith('/log')) {
        lose = false;
        throw new TypeError('the answer was lost');
      }
      return answer;
    };
    const { session } = await recoverFromServer(testStore(), old.recoveryText, 'a new passphrase', {
      fetchImpl: losing,
    });
    expect(await isRecovering(session)).toBe(true);
    await finishRecovery(session, new Connection(session.deviceKeys, { fetchImpl: server.fetch }), server.fetch);
    expect(await isRecovering(session)).toBe(false);
    expect(await memberIds(await replicaOf(session, server))).toEqual([b64u(session.deviceKeys.public.deviceId)]);
  });

  it('refuses a server that serves an older membership log than the escrow knows, and sets nothing up', async () => {
    const server = fakeServer();
    const old = await syncedDevice(server);
    // The old device adds and removes another device: the log moves on, and so does the escrow.
    const other = await generateDeviceKeys();
    await new Connection(other, { fetchImpl: server.fetch }).signIn();
    await old.circle.approve('request-x', makeIdentity(other), 'admin');
    await old.circle.remove(other.public.deviceId);
    await keepEscrow(old.api, old.session, old.circle);
    const log = server.circles.get(old.circle.id)!.log;
    log.splice(log.length - 1); // back to when the other device was in

    const fresh = testStore();
    const refused = await recoverFromServer(fresh, old.recoveryText, 'a new passphrase', {
      fetchImpl: server.fetch,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProtocolError);
    expect((refused as ProtocolError).code).toBe('rolled_back');
    expect(await fresh.hasVault()).toBe(false);
  });

  it('a new recovery key replaces the old one, here and at the server', async () => {
    const server = fakeServer();
    const old = await syncedDevice(server);
    const [oldEscrowId] = [...server.escrows.keys()];
    await expect(old.session.newRecoveryKey('not it')).rejects.toMatchObject({ code: 'wrong_passphrase' });
    const replaced = await old.session.newRecoveryKey('old passphrase');
    expect(replaced).not.toBe(old.recoveryText);
    await keepEscrow(old.api, old.session, old.circle);
    expect([...server.escrows.keys()]).not.toContain(oldEscrowId);
    expect(server.escrows.size).toBe(1);
    expect(await old.session.getState(ESCROW_RETIRED)).toBeUndefined();

    const spent = await recoverFromServer(testStore(), old.recoveryText, 'a new passphrase', {
      fetchImpl: server.fetch,
    }).catch((e: unknown) => e);
    expect((spent as ApiError).code).toBe(NO_ESCROW);
    const { session } = await recoverFromServer(testStore(), replaced, 'a new passphrase', { fetchImpl: server.fetch });
    expect(await memberIds(await replicaOf(session, server))).toEqual([b64u(session.deviceKeys.public.deviceId)]);
  });

  it('an old escrow kept by the server and served back is caught on the next sync, and nothing is put over it', async () => {
    const server = fakeServer();
    const old = await syncedDevice(server);
    const [id] = [...server.escrows.keys()];
    const first = structuredClone(server.escrows.get(id as string)!);
    await old.circle.rotate(); // the head moves on: the escrow is put again, counter 2
    await keepEscrow(old.api, old.session, old.circle);
    expect(server.escrows.get(id as string)!.escrow).not.toEqual(first.escrow);
    await keepEscrow(old.api, old.session, old.circle); // what it put is what it gets back

    server.escrows.set(id as string, first);
    const caught = await keepEscrow(old.api, old.session, old.circle).catch((e: unknown) => e);
    expect(caught).toMatchObject({ name: 'SyncError', code: 'escrow_rolled_back' });
    expect(failureText(caught)).toMatch(/old copy of your recovery backup/);
    expect(server.escrows.get(id as string)).toEqual(first);
  });

  it('a replaced key, with an escrow the server kept, opens only an identity that is out of the plan', async () => {
    const server = fakeServer();
    const old = await syncedDevice(server);
    const [id] = [...server.escrows.keys()];
    const kept = structuredClone(server.escrows.get(id as string)!);
    const members = await memberIds(old.circle);
    expect(members).toHaveLength(2); // this device and its recovery identity, never its own keys in the escrow
    await old.session.newRecoveryKey('old passphrase');
    await keepEscrow(old.api, old.session, old.circle);
    const after = await memberIds(old.circle);
    expect(after).toHaveLength(2);
    const gone = members.filter((m) => !after.includes(m));
    expect(gone).toHaveLength(1);
    // The recovery identity is a recovery key, not a device the person should look at.
    expect((await listDevices(old.circle, old.session)).map((d) => d.id)).toEqual([old.session.deviceId]);
    const epoch = server.circles.get(old.circle.id)!.epoch;
    // A rotate before each add once records exist (§8), then the old identity's removal started an epoch it has no key of.
    expect(epoch).toBe(3);

    server.escrows.set(id as string, kept); // the server serves the old escrow again
    const refused = await recoverFromServer(testStore(), old.recoveryText, 'a new passphrase', {
      fetchImpl: server.fetch,
    }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: RECOVERY_REFUSED });
    expect(await memberIds(old.circle)).toEqual(after);
  });

  it('replaces an escrow of the previous release, which held the device itself, by a version 2 one', async () => {
    const server = fakeServer();
    const { session } = await testStore().createVault('old passphrase');
    const api = new Connection(session.deviceKeys, { fetchImpl: server.fetch });
    const circle = await ensurePersonal(api, session, new Clock(session.deviceKeys.public.deviceId));
    await circle.sync();
    const stored = (await session.getState(ESCROW)) as StoredEscrow;
    const secrets = { id: unb64uId(stored.id), key: unb64u(stored.key, 32) };
    const keys = session.deviceKeys;
    const state = await circle.refresh();
    const v1 = { signSeed: keys.signSeed, kemPrivate: keys.kemPrivate, circleId: circle.circleId };
    const head = { seq: state.head.seq, hash: state.head.hash };
    await api.call('PUT', `/v1/recovery/${stored.id}`, {
      escrow: await sealEscrow(secrets, { ...v1, genesisHash: circle.genesisHash, head }),
    });

    await keepEscrow(api, session, circle);
    const opened = await openEscrow(secrets, server.escrows.get(stored.id)!.escrow);
    expect(opened.escrowing?.counter).toBe(1);
    expect(b64u(opened.signSeed)).not.toBe(b64u(keys.signSeed));
  });

  it('says plainly when the server keeps nothing for a key, or the key is mistyped, and writes nothing', async () => {
    const server = fakeServer();
    const { recoveryText } = await testStore().createVault('never synced');
    const fresh = testStore();
    const none = await recoverFromServer(fresh, recoveryText, 'a new passphrase', { fetchImpl: server.fetch }).catch(
      (e: unknown) => e,
    );
    expect(none).toBeInstanceOf(ApiError);
    expect((none as ApiError).code).toBe(NO_ESCROW);
    const typo = await recoverFromServer(fresh, recoveryText.replace(/\S/, ''), 'a new passphrase', {
      fetchImpl: server.fetch,
    }).catch((e: unknown) => e);
    expect(typo).toBeInstanceOf(ProtocolError);
    expect((typo as ProtocolError).code).toBe('recovery_key_typo');
    expect(await fresh.hasVault()).toBe(false);
  });

  it('wipes the new vault when the old device was already unlinked, so the person can try another key', async () => {
    const server = fakeServer();
    const old = await syncedDevice(server);
    const [escrowId, kept] = [...server.escrows][0]!;
    await recoverFromServer(testStore(), old.recoveryText, 'a new passphrase', { fetchImpl: server.fetch });
    server.escrows.set(escrowId, kept); // as if deleting it had failed: the old key still finds it
    const fresh = testStore();
    const refused = await recoverFromServer(fresh, old.recoveryText, 'another passphrase', {
      fetchImpl: server.fetch,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe(RECOVERY_REFUSED);
    expect(await fresh.hasVault()).toBe(false);
  });
});
