// Recovery from the server on a new device (PROTOCOL §15), against the fake server (./testing.ts)
// with real storage on fake-indexeddb and the real protocol code.
import { describe, expect, it } from 'vitest';
import { b64u } from '../crypto/encoding';
import { ProtocolError } from '../crypto/errors';
import { newRecordId } from '../storage';
import { ally, testStore } from '../storage/testing';
import { ApiError } from './api';
import { Clock } from './clock';
import { Connection } from './connection';
import { finishReplacing, keepEscrow } from './escrow';
import { ensurePersonal, personalReplica, readPersonal } from './personal';
import { NO_ESCROW, recoverFromServer } from './recover';
import { fakeServer } from './testing';

async function syncedDevice(server: ReturnType<typeof fakeServer>) {
  const { session, recoveryText } = await testStore().createVault('old passphrase');
  const api = new Connection(session.deviceKeys, { fetchImpl: server.fetch });
  const circle = await ensurePersonal(api, session, new Clock(session.deviceKeys.public.deviceId));
  await session.put('ally', newRecordId(), ally());
  await circle.sync();
  await keepEscrow(api, session, (await readPersonal(session))!);
  return { session, recoveryText, circle };
}

describe('recovery from the server', () => {
  it('keeps one escrow per vault, and a new device takes the plan over with the recovery key alone', async () => {
    const server = fakeServer();
    const old = await syncedDevice(server);
    expect(server.escrows.size).toBe(1);

    const fresh = testStore();
    const { session, recoveryText } = await recoverFromServer(fresh, old.recoveryText, 'a new passphrase', { fetchImpl: server.fetch });
    expect(recoveryText).not.toBe(old.recoveryText);
    expect(server.escrows.size).toBe(0); // the old key's escrow is spent

    const api = new Connection(session.deviceKeys, { fetchImpl: server.fetch });
    const circle = personalReplica(api, session, (await readPersonal(session))!, new Clock(session.deviceKeys.public.deviceId));
    await circle.sync();
    expect((await session.list('ally')).map((a) => a.body)).toEqual([ally()]);

    await finishReplacing(circle, session);
    const state = await circle.refresh();
    expect([...state.members.keys()]).toEqual([b64u(session.deviceKeys.public.deviceId)]);
    expect(state.epoch).toBe(1);
    await expect(old.circle.sync()).rejects.toMatchObject({ status: 404 });

    await keepEscrow(api, session, (await readPersonal(session))!);
    expect(server.escrows.size).toBe(1);
    await session.lock();
    expect(await fresh.unlock('a new passphrase')).toBeDefined();
  });

  it('says plainly when the server keeps nothing for a key, or the key is mistyped, and writes nothing', async () => {
    const server = fakeServer();
    const { recoveryText } = await testStore().createVault('never synced');
    const fresh = testStore();
    const none = await recoverFromServer(fresh, recoveryText, 'a new passphrase', { fetchImpl: server.fetch }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ApiError);
    expect((none as ApiError).code).toBe(NO_ESCROW);
    const typo = await recoverFromServer(fresh, recoveryText.replace(/\S/, ''), 'a new passphrase', { fetchImpl: server.fetch }).catch((e: unknown) => e);
    expect(typo).toBeInstanceOf(ProtocolError);
    expect((typo as ProtocolError).code).toBe('recovery_key_typo');
    expect(await fresh.hasVault()).toBe(false);
  });

  it('wipes the new vault when the old device was already unlinked, so the person can try another key', async () => {
    const server = fakeServer();
    const old = await syncedDevice(server);
    const circle = server.circles.get(old.circle.id)!;
    circle.log.splice(0); // the server no longer lists the old device anywhere
    const fresh = testStore();
    const refused = await recoverFromServer(fresh, old.recoveryText, 'a new passphrase', { fetchImpl: server.fetch }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(await fresh.hasVault()).toBe(false);
  });
});
