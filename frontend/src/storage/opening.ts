/**
 * Opening a vault: creating one, unlocking it (by passphrase, duress passphrase or recovery key),
 * restoring a backup, and the Session each opening gives. LocalStore loads this module with
 * import() (store.ts): the first screen reads only whether a vault is there and the attempt
 * count, and does not wait for the vault's crypto, the device keys' curve code or the Session
 * (with the records' merge) before it is drawn.
 */
import { type DuressWrap, fillerWrap, type Opened, openWithPassphrase, rewrapPassphrase } from '../crypto/duress';
import { b64u, unb64u, unb64uId } from '../crypto/encoding';
import { ProtocolError } from '../crypto/errors';
import { type DeviceKeys, deviceKeysFrom, generateDeviceKeys } from '../crypto/identity';
import type { Argon2Parameters, Vault, VaultOptions } from '../crypto/vault';
import * as vaults from '../crypto/vault';
import { type Db, inTransaction } from './db';
import { DECOY_KEY, DURESS_KEY, fillerDecoy, openDecoy, openDecoyInVain, sealDecoy } from './decoy';
import { StorageError } from './errors';
import { ESCROW, storedEscrow } from './escrowState';
import { FRESH_GUARD, GUARD_KEY, type Guard, readGuard, remainingWaitMs, retryDelayMs, writeGuard } from './guard';
import { HeldKeys } from './keys';
import { MemoryDb, type SealedItems } from './memoryDb';
import { openJson, sealJson, type VaultKeys } from './sealed';
import { decoySecrets, type SecretsContext, type SecretsDoor, vaultSecrets } from './secrets';
import { DURESS_STATE, Session, type SessionContext } from './session';
import { stateKey } from './stateKeys';
import { readVault, VAULT_KEY } from './vaultMeta';

export { preloadArgon2id } from '../crypto/primitives';
export { importBackup, parseBackup } from './backup';

/** What the store lends the opening: its database, settings and the sessions it keeps to lock. */
export interface StoreParts {
  readonly name: string;
  readonly params: Argon2Parameters;
  readonly vaultOptions: VaultOptions;
  readonly now: () => number;
  readonly sessions: Set<Session>;
  db(): Promise<Db>;
  wipe(): Promise<void>;
}

const DEVICE_KEY = 'device';

interface StoredDevice {
  readonly signSeed: string;
  readonly kemPrivate: string;
}

/** LocalStore.createVault's work, inside the store's write lock. */
export async function createVault(
  store: StoreParts,
  db: Db,
  passphrase: string,
  initialState: Readonly<Record<string, unknown>>,
): Promise<{ session: Session; recoveryText: string }> {
  if ((await db.get('meta', VAULT_KEY)) !== undefined) throw new StorageError('vault_exists');
  const made = await vaults.createVault(passphrase, store.params, store.vaultOptions);
  const device = await generateDeviceKeys();
  const sealed = await sealJson(made, 'state', DEVICE_KEY, storedDevice(device));
  const state = { ...initialState, [ESCROW]: storedEscrow(made.escrow), [DURESS_STATE]: null };
  const items = await Promise.all(
    Object.entries(state).map(
      async ([name, value]) => [stateKey(name), await sealJson(made, 'state', stateKey(name), value)] as const,
    ),
  );
  await inTransaction(db, ['meta', 'state'], (tx) => [
    () => tx.objectStore('meta').add(made.vault, VAULT_KEY),
    () => tx.objectStore('meta').put({ ...FRESH_GUARD }, GUARD_KEY),
    () => tx.objectStore('meta').put(fillerWrap(), DURESS_KEY),
    () => tx.objectStore('meta').put(fillerDecoy(), DECOY_KEY),
    () => tx.objectStore('state').put(sealed, DEVICE_KEY),
    ...items.map(
      ([key, item]) =>
        () =>
          tx.objectStore('state').put(item, key),
    ),
  ]);
  return { session: vaultSession(store, made.vaultKey, made.vaultId, device), recoveryText: made.recoveryText };
}

/** LocalStore.unlock's work, inside the store's write lock (its contract is there). */
export async function unlock(store: StoreParts, db: Db, passphrase: string): Promise<Session> {
  const vault = await readVault(db);
  const duressSetting = stateKey(DURESS_STATE);
  const [duress, decoy, device, setting] = await Promise.all([
    db.get('meta', DURESS_KEY),
    db.get('meta', DECOY_KEY),
    db.get('state', DEVICE_KEY),
    db.get('state', duressSetting),
  ]);
  const guard = await readGuard(db);
  const wait = remainingWaitMs(guard, store.now());
  if (wait > 0) throw new StorageError('wait', { retryAfterMs: wait });
  const counted = { ...guard, failures: guard.failures + 1, lastFailureAt: store.now() };
  await writeGuard(db, counted);
  let opened: Opened;
  try {
    opened = await openWithPassphrase(vault, duress, passphrase, store.vaultOptions);
  } catch (error) {
    throw await failed(store, db, error, guard, counted);
  }
  await writeGuard(db, { ...guard, failures: 0, lastFailureAt: null });
  const vaultId = unb64uId((vault as Vault).vault_id);
  if (opened.kind === 'wipe') {
    opened.key.fill(0);
    await store.wipe();
    throw new StorageError('erased');
  }
  if (opened.kind === 'decoy') {
    const items = await openDecoy(opened.key, vaultId, decoy);
    const keys: VaultKeys = { vaultKey: opened.key, vaultId };
    // The vault's device item is opened in vain, as the decoy is on the other path.
    await openJson(keys, 'state', DEVICE_KEY, device).catch(() => undefined);
    const decoyVault: Vault = {
      ...(vault as Vault),
      passphrase_wrap: opened.passphraseWrap,
      recovery_wrap: fillerWrap(),
    };
    return decoySession(store, db, { vault: decoyVault, wrap: duress as DuressWrap }, opened.key, items);
  }
  const [session] = await Promise.all([
    open(store, db, vault, opened.key),
    openDecoyInVain(opened.key, vaultId, decoy),
  ]);
  // Vaults made before the duress wrap get it now, as filler, so every vault stores the same.
  // Sealed here, not by session.setState: that would wait for this very lock.
  if (duress === undefined || decoy === undefined || setting === undefined) {
    const empty = await sealJson({ vaultKey: opened.key, vaultId }, 'state', duressSetting, null);
    await inTransaction(db, ['meta', 'state'], (tx) => [
      () => tx.objectStore('meta').put(duress ?? fillerWrap(), DURESS_KEY),
      () => tx.objectStore('meta').put(decoy ?? fillerDecoy(), DECOY_KEY),
      () => tx.objectStore('state').put(setting ?? empty, duressSetting),
    ]);
  }
  return session;
}

/** LocalStore.unlockWithRecovery's work, inside the store's write lock. */
export async function unlockWithRecovery(
  store: StoreParts,
  db: Db,
  recoveryText: string,
  newPassphrase: string,
): Promise<Session> {
  const vault = await readVault(db);
  const vaultKey = await vaults.unlockWithRecovery(vault, recoveryText).catch((error: unknown) => {
    throw refusal(error);
  });
  const duress = await db.get('meta', DURESS_KEY);
  const rewrapped = await rewrapPassphrase(vault as Vault, duress, vaultKey, newPassphrase, store.vaultOptions);
  if (rewrapped === 'opens_duress') throw new StorageError('same_passphrase');
  const guard = { ...(await readGuard(db)), failures: 0, lastFailureAt: null };
  await inTransaction(db, ['meta'], (tx) => [
    () => tx.objectStore('meta').put(rewrapped, VAULT_KEY),
    () => tx.objectStore('meta').put(guard, GUARD_KEY),
  ]);
  return open(store, db, rewrapped, vaultKey);
}

async function failed(store: StoreParts, db: Db, error: unknown, before: Guard, counted: Guard): Promise<StorageError> {
  if (!(error instanceof ProtocolError && error.code === 'wrong_passphrase')) {
    // Not a guess that failed: a damaged vault must not cost the person an attempt.
    await writeGuard(db, before);
    return refusal(error);
  }
  const failure = { ...counted, lastFailureAt: store.now() };
  if (failure.wipeAfter !== null && failure.failures >= failure.wipeAfter) {
    await store.wipe();
    return new StorageError('wiped');
  }
  await writeGuard(db, failure);
  return new StorageError('wrong_passphrase', { retryAfterMs: retryDelayMs(failure.failures), cause: error });
}

async function open(store: StoreParts, db: Db, vault: unknown, vaultKey: Uint8Array): Promise<Session> {
  const vaultId = unb64uId((vault as Vault).vault_id);
  const item = await db.get('state', DEVICE_KEY);
  if (item === undefined) throw new StorageError('damaged');
  return vaultSession(store, vaultKey, vaultId, await openDevice({ vaultKey, vaultId }, item));
}

function vaultSession(store: StoreParts, vaultKey: Uint8Array, vaultId: Uint8Array, device: DeviceKeys): Session {
  return newSession(
    store,
    () => store.db(),
    vaultSecrets(secretsContext(store)),
    new HeldKeys(vaultKey, vaultId, device),
  );
}

/**
 * A session of the decoy: the same Session over its stores held in memory, each committed
 * change sealed back into the decoy item. Nothing of it reaches the vault's stores, and its
 * settings name no server, so it syncs nothing.
 */
async function decoySession(
  store: StoreParts,
  db: Db,
  opened: { readonly vault: Vault; readonly wrap: DuressWrap },
  duressKey: Uint8Array,
  items: SealedItems,
): Promise<Session> {
  const vaultId = unb64uId(opened.vault.vault_id);
  const item = items.state.get(DEVICE_KEY);
  if (item === undefined) throw new StorageError('damaged');
  const keys = new HeldKeys(duressKey, vaultId, await openDevice({ vaultKey: duressKey, vaultId }, item));
  // The duress wrap this space was opened by: once another tab sets a new one, this space's
  // writes would overwrite the new decoy, so they stop (and the session locks) instead.
  let wrapNonce = opened.wrap.nonce;
  const memory = new MemoryDb(items, async (next) => {
    const sealed = await sealDecoy(keys.vaultKey, keys.vaultId, next);
    const stored = (await db.get('meta', DURESS_KEY)) as DuressWrap | undefined;
    if (keys.dropped || stored?.nonce !== wrapNonce) {
      session.lock();
      throw new StorageError('locked');
    }
    // The connection the space was opened on: a wipe closes it, and nothing opens it again.
    await db.put('meta', sealed, DECOY_KEY);
  });
  // MemoryDb does all that Session asks of IndexedDB (memoryDb.ts), not all IndexedDB does.
  const decoyDb = async () => memory as unknown as Db;
  const secrets = decoySecrets(secretsContext(store), {
    duressKey: () => keys.vaultKey,
    decoyDb,
    vault: opened.vault,
    rewrapped: (nonce) => {
      wrapNonce = nonce;
    },
  });
  const session = newSession(store, decoyDb, secrets, keys);
  return session;
}

function newSession(store: StoreParts, db: () => Promise<Db>, secrets: SecretsDoor, keys: HeldKeys): Session {
  const context: SessionContext = {
    db,
    vaultDb: () => store.db(),
    secrets,
    lockName: `${store.name}:write`,
    now: store.now,
    onLock: (session) => store.sessions.delete(session),
  };
  const session = new Session(context, keys);
  store.sessions.add(session);
  return session;
}

function secretsContext(store: StoreParts): SecretsContext {
  return {
    vaultOptions: store.vaultOptions,
    duressState: stateKey(DURESS_STATE),
    decoyDevice: async (keys) => [
      DEVICE_KEY,
      await sealJson(keys, 'state', DEVICE_KEY, storedDevice(await generateDeviceKeys())),
    ],
  };
}

/** This device's keys from their sealed item; `damaged` when they do not open or are not keys. */
async function openDevice(keys: VaultKeys, item: unknown): Promise<DeviceKeys> {
  const stored = await openJson<StoredDevice>(keys, 'state', DEVICE_KEY, item);
  return deviceKeysFrom(unb64u(stored.signSeed), unb64u(stored.kemPrivate)).catch((error: unknown) => {
    throw new StorageError('damaged', { cause: error });
  });
}

function storedDevice(device: DeviceKeys): StoredDevice {
  return { signSeed: b64u(device.signSeed), kemPrivate: b64u(device.kemPrivate) };
}

/** A protocol refusal as the UI's error: the person's mistakes by name, anything else `damaged`. */
function refusal(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const code = error instanceof ProtocolError ? error.code : undefined;
  if (code === 'wrong_passphrase' || code === 'wrong_recovery_key' || code === 'recovery_key_typo')
    return new StorageError(code, { cause: error });
  return new StorageError('damaged', { cause: error });
}
