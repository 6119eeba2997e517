// Unit tests of the vault's life cycle on fake-indexeddb (an in-memory IndexedDB for Node).
// IndexedDB is the browser's, not ours: the same behaviour in real Chromium comes later, in the
// pytest/Playwright browser tests.
import { beforeEach, describe, expect, it } from 'vitest';
import { b64u } from '../crypto/encoding';
import { DEFAULT_PARAMETERS, TEST_PARAMETERS } from '../crypto/vault';
import { ally, answer, rawGet, rawPut, TestClock, testStore, uniqueName } from '../testing/storage';
import { StorageError, type StorageErrorCode } from './errors';
import { ESCROW, ESCROW_RETIRED } from './escrowState';
import { retryDelayMs } from './guard';
import { newRecordId } from './ids';
import { LocalStore } from './store';

async function failsWith(action: () => Promise<unknown>): Promise<StorageError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return error as StorageError;
  }
  throw new Error('expected a StorageError, but it succeeded');
}

async function code(action: () => Promise<unknown>): Promise<StorageErrorCode> {
  return (await failsWith(action)).code;
}

describe('the vault', () => {
  let clock: TestClock;
  let name: string;
  let store: LocalStore;

  beforeEach(() => {
    clock = new TestClock();
    name = uniqueName();
    store = testStore(clock, name);
  });

  it('keeps everything across lock and unlock, and across a reload', async () => {
    expect(await store.hasVault()).toBe(false);
    const { session, recoveryText } = await store.createVault('blue kettle at dawn');
    expect(recoveryText).toMatch(/^([0-9A-Z]{4} ){13}[0-9A-Z]{4}$/);
    const rosa = newRecordId();
    const plan = newRecordId();
    await session.put('ally', rosa, ally());
    await session.put('plan', plan, answer({ allyIds: [rosa] }));
    const deviceId = b64u(session.deviceKeys.public.deviceId);
    session.lock();

    const reloaded = testStore(clock, name);
    expect(await reloaded.hasVault()).toBe(true);
    const again = await reloaded.unlock('blue kettle at dawn');
    expect(await again.get('ally', rosa)).toEqual({ id: rosa, kind: 'ally', body: ally(), unsynced: true });
    expect((await again.list('plan')).map((r) => r.body)).toEqual([answer({ allyIds: [rosa] })]);
    expect(b64u(again.deviceKeys.public.deviceId)).toBe(deviceId);
    expect(again.deviceId).toBe(deviceId);
  });

  it('never replaces a vault', async () => {
    await store.createVault('one');
    expect(await code(() => store.createVault('two'))).toBe('vault_exists');
    await store.unlock('one');
  });

  it('says there is no vault yet', async () => {
    expect(await code(() => store.unlock('anything'))).toBe('no_vault');
  });

  it('refuses the test parameters unless the option asks for them', () => {
    expect(() => new LocalStore({ name, params: TEST_PARAMETERS })).toThrow(/weak_parameters/);
    expect(() => new LocalStore({ name, params: { ...DEFAULT_PARAMETERS, t: 1 }, allowTestParameters: true })).toThrow(
      /weak_parameters/,
    );
  });

  it('does not open a vault made with the test parameters unless the option asks for them (§5)', async () => {
    (await store.createVault('made in a test')).session.lock();
    const app = new LocalStore({ name, now: clock.now });
    const refused = await failsWith(() => app.unlock('made in a test'));
    expect(refused.code).toBe('damaged');
    expect((refused.cause as { code?: unknown } | undefined)?.code).toBe('weak_parameters');
    expect((await app.attempts()).failures).toBe(0);
    await store.unlock('made in a test');
  });

  it('lock makes the session unusable and zeroes its keys', async () => {
    const { session } = await store.createVault('pass');
    const id = newRecordId();
    await session.put('ally', id, ally());
    const seed = session.deviceKeys.signSeed;
    session.lock();
    session.lock();
    expect(session.locked).toBe(true);
    expect(seed.every((byte) => byte === 0)).toBe(true);
    expect(() => session.deviceKeys).toThrow(StorageError);
    expect(() => session.deviceId).toThrow(StorageError);
    for (const call of [
      () => session.put('ally', id, ally()),
      () => session.get('ally', id),
      () => session.list('ally'),
      () => session.remove('ally', id),
      () => session.pending(),
      () => session.cursor('c'),
      () => session.exportBackup(),
      () => session.changePassphrase('pass', 'other'),
    ]) {
      expect(await code(call)).toBe('locked');
    }
  });
});

describe('locking in the middle of a save', () => {
  it.each([0, 1, 2, 3, 5, 8])('leaves the edit whole or absent, never damaged (lock after %i ms)', async (ms) => {
    const store = testStore();
    const { session } = await store.createVault('p');
    const id = newRecordId();
    await session.put('ally', id, ally());
    const saving = session.put('ally', id, ally({ name: 'Sam' })).then(
      () => 'saved',
      (error: unknown) => (error as StorageError).code,
    );
    await new Promise((resolve) => setTimeout(resolve, ms));
    session.lock();
    const outcome = await saving;
    const again = await store.unlock('p');
    const name = (await again.get('ally', id))?.body.name;
    expect([outcome, name]).toEqual(outcome === 'saved' ? ['saved', 'Sam'] : ['locked', 'Auntie Rosa']);
    expect((await again.pending()).map((change) => change.recordId)).toEqual([id]);
  });
});

describe('wrong passphrases', () => {
  it('get a calm typed error and a growing delay that survives a reload', async () => {
    const clock = new TestClock();
    const name = uniqueName();
    const store = testStore(clock, name);
    (await store.createVault('right one')).session.lock();

    for (const failures of [1, 2, 3]) {
      const error = await failsWith(() => store.unlock('wrong'));
      expect(error.code).toBe('wrong_passphrase');
      // The message is the code, carrying nothing typed; the words are the UI's (ui/failures.test.ts).
      expect(error.message).toBe('wrong_passphrase');
      expect(error.retryAfterMs).toBe(retryDelayMs(failures));
    }
    expect(retryDelayMs(3)).toBe(5_000);
    const waiting = await failsWith(() => store.unlock('right one'));
    expect(waiting).toMatchObject({ code: 'wait', retryAfterMs: 5_000 });

    clock.advance(5_000);
    expect((await failsWith(() => store.unlock('wrong'))).retryAfterMs).toBe(10_000);
    clock.advance(4_000);

    const reloaded = testStore(clock, name);
    expect(await reloaded.attempts()).toEqual({ failures: 4, retryAfterMs: 6_000, wipeAfter: null });
    expect(await code(() => reloaded.unlock('right one'))).toBe('wait');
    clock.advance(6_000);
    await reloaded.unlock('right one');
    expect(await reloaded.attempts()).toEqual({ failures: 0, retryAfterMs: 0, wipeAfter: null });
  });

  it('delays grow to a ceiling, and a clock set back never lengthens the wait', async () => {
    expect([0, 1, 2, 3, 4, 5].map(retryDelayMs)).toEqual([0, 0, 0, 5_000, 10_000, 20_000]);
    expect(retryDelayMs(1000)).toBe(15 * 60_000);
    const clock = new TestClock();
    const store = testStore(clock);
    (await store.createVault('x')).session.lock();
    for (let i = 0; i < 4; i++) await store.unlock('no').catch(() => undefined);
    clock.advance(-3_600_000);
    expect((await store.attempts()).retryAfterMs).toBe(retryDelayMs(3));
  });

  it('wipe everything at the chosen number of failures, and not before', async () => {
    const clock = new TestClock();
    const name = uniqueName();
    const store = testStore(clock, name);
    const { session } = await store.createVault('right');
    await expect(session.setWipeAfter(2)).rejects.toThrow(RangeError);
    await session.setWipeAfter(5);
    await session.put('ally', newRecordId(), ally());
    session.lock();
    for (let i = 1; i <= 4; i++) {
      expect(await code(() => store.unlock('guess'))).toBe('wrong_passphrase');
      clock.advance(retryDelayMs(i));
    }
    expect(await store.hasVault()).toBe(true);
    expect(await code(() => store.unlock('guess'))).toBe('wiped');
    expect(await store.hasVault()).toBe(false);
    expect(await rawGet(name, 'records', 'anything')).toBeUndefined();
  });

  it('a damaged vault is `damaged` and costs no attempt', async () => {
    const name = uniqueName();
    const store = testStore(new TestClock(), name);
    (await store.createVault('pass')).session.lock();
    const vault = (await rawGet(name, 'meta', 'vault')) as Record<string, unknown>;
    await rawPut(name, 'meta', 'vault', { ...vault, kdf: { ...(vault['kdf'] as object), m_kib: 8 } });
    expect(await code(() => store.unlock('pass'))).toBe('damaged');
    expect((await store.attempts()).failures).toBe(0);
  });
});

describe('the recovery key', () => {
  it('unlocks and sets a new passphrase; the old one no longer works', async () => {
    const store = testStore();
    const { session, recoveryText } = await store.createVault('forgotten words');
    const id = newRecordId();
    await session.put('plan', id, answer());
    session.lock();
    await store.unlock('nope').catch(() => undefined);

    const typo = recoveryText.slice(0, -1) + (recoveryText.endsWith('Q') ? 'R' : 'Q');
    expect(await code(() => store.unlockWithRecovery(typo, 'new words'))).toBe('recovery_key_typo');
    const other = await testStore().createVault('x');
    expect(await code(() => store.unlockWithRecovery(other.recoveryText, 'new words'))).toBe('wrong_recovery_key');

    const recovered = await store.unlockWithRecovery(recoveryText.toLowerCase(), 'new words');
    expect((await recovered.get('plan', id))?.body).toEqual(answer());
    expect((await store.attempts()).failures).toBe(0);
    expect(await code(() => store.unlock('forgotten words'))).toBe('wrong_passphrase');
    await store.unlock('new words');
  });

  it('can be replaced: the old key no longer opens the vault, the new one does', async () => {
    const store = testStore();
    const { session, recoveryText } = await store.createVault('kept words');
    const escrowBefore = await session.getState(ESCROW);
    const replaced = await session.newRecoveryKey('kept words');
    expect(await session.getState(ESCROW)).not.toEqual(escrowBefore);
    expect(await session.getState(ESCROW_RETIRED)).toEqual([(escrowBefore as { id: string }).id]);
    session.lock();
    expect(await code(() => store.unlockWithRecovery(recoveryText, 'other words'))).toBe('wrong_recovery_key');
    await store.unlockWithRecovery(replaced, 'other words');
    await store.unlock('other words');
  });

  it('keeps the wipe setting', async () => {
    const store = testStore();
    const { session, recoveryText } = await store.createVault('a');
    await session.setWipeAfter(7);
    await store.unlockWithRecovery(recoveryText, 'b');
    expect((await store.attempts()).wipeAfter).toBe(7);
  });
});

describe('changing the passphrase', () => {
  it('needs the current one, then only the new one opens', async () => {
    const store = testStore();
    const { session } = await store.createVault('old');
    expect(await code(() => session.changePassphrase('not it', 'new'))).toBe('wrong_passphrase');
    await session.changePassphrase('old', 'new');
    session.lock();
    expect(await code(() => store.unlock('old'))).toBe('wrong_passphrase');
    await store.unlock('new');
  });
});
