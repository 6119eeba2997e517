/** The app's local storage: the vault's life cycle, before and around unlocked sessions. */
import { deleteDB } from 'idb';
import { type DuressWrap, fillerWrap, type Opened, openWithPassphrase, rewrapPassphrase } from '../crypto/duress';
import { b64u, unb64u, unb64uId } from '../crypto/encoding';
import { ProtocolError } from '../crypto/errors';
import { type DeviceKeys, deviceKeysFrom, generateDeviceKeys } from '../crypto/identity';
import * as vaults from '../crypto/vault';
import { type Argon2Parameters, DEFAULT_PARAMETERS, type Vault, type VaultOptions } from '../crypto/vault';
import { importBackup, parseBackup } from './backup';
import { type Db, DEFAULT_DB_NAME, inTransaction, openDatabase } from './db';
import { DECOY_KEY, DURESS_KEY, fillerDecoy, openDecoy, openDecoyInVain, sealDecoy } from './decoy';
import { StorageError } from './errors';
import { ESCROW, storedEscrow } from './escrowState';
import { exclusive } from './exclusive';
import { FRESH_GUARD, GUARD_KEY, type Guard, readGuard, remainingWaitMs, retryDelayMs, writeGuard } from './guard';
import { HeldKeys } from './keys';
import { MemoryDb, type SealedItems } from './memoryDb';
import { openJson, sealJson, type VaultKeys } from './sealed';
import { decoySecrets, type SecretsContext, type SecretsDoor, vaultSecrets } from './secrets';
import { DURESS_STATE, Session, type SessionContext } from './session';
import { stateKey } from './stateKeys';
import { readVault, VAULT_KEY } from './vaultMeta';

export interface LocalStoreOptions {
  /** The IndexedDB database name; tests give each store its own. */
  readonly name?: string;
  /** Argon2id cost of a new vault (a passphrase change keeps its vault's); DEFAULT_PARAMETERS unless a test says otherwise. */
  readonly params?: Argon2Parameters;
  /** Accept the protocol's TEST_PARAMETERS. Only tests pass this; the app never does. */
  readonly allowTestParameters?: boolean;
  /** The clock, in ms since the Unix epoch. */
  readonly now?: () => number;
}

/** The state of the passphrase guard, for the unlock screen. */
export interface Attempts {
  readonly failures: number;
  /** ms until the next attempt is allowed; 0 = now. */
  readonly retryAfterMs: number;
  readonly wipeAfter: number | null;
}

const DEVICE_KEY = 'device';

interface StoredDevice {
  readonly signSeed: string;
  readonly kemPrivate: string;
}

/**
 * The only door to IndexedDB. Nothing in it is readable without the passphrase or recovery key:
 * the UI gets a Session by unlocking, and a Session's lock() drops every key.
 */
export class LocalStore {
  readonly #name: string;
  readonly #params: Argon2Parameters;
  readonly #vaultOptions: VaultOptions;
  readonly #now: () => number;
  readonly #sessions = new Set<Session>();
  #connection: Promise<Db> | null = null;

  constructor(options: LocalStoreOptions = {}) {
    this.#name = options.name ?? DEFAULT_DB_NAME;
    this.#params = options.params ?? DEFAULT_PARAMETERS;
    this.#vaultOptions = options.allowTestParameters === true ? { allowTestParameters: true } : {};
    this.#now = options.now ?? Date.now;
    // Refuse bad parameters now, not at the first vault made with them.
    vaults.checkParameters(this.#params, this.#vaultOptions);
  }

  /** Whether this device has a vault (unlock) or not (first run, or import a backup). */
  async hasVault(): Promise<boolean> {
    return (await (await this.#db()).get('meta', VAULT_KEY)) !== undefined;
  }

  /** Failed attempts in a row, the wait before the next one, and the wipe setting. */
  async attempts(): Promise<Attempts> {
    const guard = await readGuard(await this.#db());
    return { failures: guard.failures, retryAfterMs: remainingWaitMs(guard, this.#now()), wipeAfter: guard.wipeAfter };
  }

  /**
   * Creates the vault and this device's keys, and unlocks it. Show `recoveryText` once: it is
   * never stored and cannot be shown again.
   *
   * `initialState` is engine state (as Session.setState) written with the vault, e.g. a recovery
   * to finish. Contract: `vault_exists` when this device has a vault (it is never replaced);
   * nothing is written unless all of it is (vault, guard, sealed device keys and state in one
   * transaction).
   */
  createVault(
    passphrase: string,
    initialState: Readonly<Record<string, unknown>> = {},
  ): Promise<{ session: Session; recoveryText: string }> {
    return this.#exclusive(async (db) => {
      if ((await db.get('meta', VAULT_KEY)) !== undefined) throw new StorageError('vault_exists');
      const made = await vaults.createVault(passphrase, this.#params, this.#vaultOptions);
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
      return { session: this.#vaultSession(made.vaultKey, made.vaultId, device), recoveryText: made.recoveryText };
    });
  }

  /**
   * Unlocks with the passphrase, or with the duress passphrase (PROTOCOL §5 "Duress wrap"):
   * either way one Argon2id run, the same objects read and the same items opened.
   *
   * Contract: `no_vault` without a vault; `wait` (with retryAfterMs) while the delay after earlier
   * failures runs, without trying; `wrong_passphrase` (with the next delay) otherwise, counted
   * before the key derivation starts, so closing the app mid-attempt does not reset the count;
   * `wiped` when that failure reached the wipe setting; `damaged` when the stored vault or device
   * keys are not what this app wrote. A success, the duress passphrase's included, resets the
   * count. The duress passphrase resolves with a session of the decoy, or, when it erases, erases
   * everything as wipe() does and rejects with `erased`.
   */
  unlock(passphrase: string): Promise<Session> {
    return this.#exclusive(async (db) => {
      const vault = await readVault(db);
      const duressSetting = stateKey(DURESS_STATE);
      const [duress, decoy, device, setting] = await Promise.all([
        db.get('meta', DURESS_KEY),
        db.get('meta', DECOY_KEY),
        db.get('state', DEVICE_KEY),
        db.get('state', duressSetting),
      ]);
      const guard = await readGuard(db);
      const wait = remainingWaitMs(guard, this.#now());
      if (wait > 0) throw new StorageError('wait', { retryAfterMs: wait });
      const counted = { ...guard, failures: guard.failures + 1, lastFailureAt: this.#now() };
      await writeGuard(db, counted);
      let opened: Opened;
      try {
        opened = await openWithPassphrase(vault, duress, passphrase, this.#vaultOptions);
      } catch (error) {
        throw await this.#failed(db, error, guard, counted);
      }
      await writeGuard(db, { ...guard, failures: 0, lastFailureAt: null });
      const vaultId = unb64uId((vault as Vault).vault_id);
      if (opened.kind === 'wipe') {
        opened.key.fill(0);
        await this.wipe();
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
        return this.#decoySession(db, { vault: decoyVault, wrap: duress as DuressWrap }, opened.key, items);
      }
      const [session] = await Promise.all([
        this.#open(db, vault, opened.key),
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
    });
  }

  /**
   * Unlocks with the recovery key and sets a new passphrase (the old one is then useless).
   * Recovery attempts are not delayed: a 256-bit key cannot be guessed.
   *
   * Contract: `no_vault`; `recovery_key_typo` for a mistyped text; `wrong_recovery_key` for
   * another vault's key; `damaged` as for unlock. The passphrase changes only on success, which
   * also resets the failure count.
   */
  unlockWithRecovery(recoveryText: string, newPassphrase: string): Promise<Session> {
    return this.#exclusive(async (db) => {
      const vault = await readVault(db);
      const vaultKey = await vaults.unlockWithRecovery(vault, recoveryText).catch((error: unknown) => {
        throw refusal(error);
      });
      const duress = await db.get('meta', DURESS_KEY);
      const rewrapped = await rewrapPassphrase(vault as Vault, duress, vaultKey, newPassphrase, this.#vaultOptions);
      if (rewrapped === 'opens_duress') throw new StorageError('same_passphrase');
      const guard = { ...(await readGuard(db)), failures: 0, lastFailureAt: null };
      await inTransaction(db, ['meta'], (tx) => [
        () => tx.objectStore('meta').put(rewrapped, VAULT_KEY),
        () => tx.objectStore('meta').put(guard, GUARD_KEY),
      ]);
      return this.#open(db, rewrapped, vaultKey);
    });
  }

  /**
   * Restores an encrypted backup (from Session.exportBackup) into this app; unlock it afterwards
   * with the passphrase that was in force when the backup was made.
   *
   * Contract: `vault_exists` when this device already has a vault; `bad_backup` for a file not
   * of the backup's form; in both cases nothing is written.
   */
  importBackup(file: Blob): Promise<void> {
    return this.#exclusive(async (db) => importBackup(db, parseBackup(await file.text())));
  }

  /**
   * Removes everything this app stored on the device: locks every session, deletes the database
   * (other tabs close their connection when asked, see openDatabase) and clears the origin's
   * localStorage and sessionStorage. The app's offline copy (caches, service worker) is not this
   * layer's: the UI forgets it after this (pwa/forget.ts), so nothing says the app was here.
   */
  async wipe(): Promise<void> {
    this.#closeAll();
    await deleteDB(this.#name);
    for (const area of [globalThis.localStorage, globalThis.sessionStorage]) area?.clear();
  }

  // ----------------------------------------------------------------------------------------------

  #db(): Promise<Db> {
    this.#connection ??= openDatabase(
      this.#name,
      () => this.#closeAll(),
      () => (this.#connection = null),
    );
    return this.#connection;
  }

  #closeAll(): void {
    for (const session of [...this.#sessions]) session.lock();
    const connection = this.#connection;
    this.#connection = null;
    void connection?.then((db) => db.close()).catch(() => undefined);
  }

  #exclusive<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return exclusive(`${this.#name}:write`, async () => work(await this.#db()));
  }

  async #failed(db: Db, error: unknown, before: Guard, counted: Guard): Promise<StorageError> {
    if (!(error instanceof ProtocolError && error.code === 'wrong_passphrase')) {
      // Not a guess that failed: a damaged vault must not cost the person an attempt.
      await writeGuard(db, before);
      return refusal(error);
    }
    const failed = { ...counted, lastFailureAt: this.#now() };
    if (failed.wipeAfter !== null && failed.failures >= failed.wipeAfter) {
      await this.wipe();
      return new StorageError('wiped');
    }
    await writeGuard(db, failed);
    return new StorageError('wrong_passphrase', { retryAfterMs: retryDelayMs(failed.failures), cause: error });
  }

  async #open(db: Db, vault: unknown, vaultKey: Uint8Array): Promise<Session> {
    const vaultId = unb64uId((vault as Vault).vault_id);
    const item = await db.get('state', DEVICE_KEY);
    if (item === undefined) throw new StorageError('damaged');
    return this.#vaultSession(vaultKey, vaultId, await this.#device({ vaultKey, vaultId }, item));
  }

  #vaultSession(vaultKey: Uint8Array, vaultId: Uint8Array, device: DeviceKeys): Session {
    return this.#session(
      () => this.#db(),
      vaultSecrets(this.#secretsContext()),
      new HeldKeys(vaultKey, vaultId, device),
    );
  }

  /**
   * A session of the decoy: the same Session over its stores held in memory, each committed
   * change sealed back into the decoy item. Nothing of it reaches the vault's stores, and its
   * settings name no server, so it syncs nothing.
   */
  async #decoySession(
    db: Db,
    opened: { readonly vault: Vault; readonly wrap: DuressWrap },
    duressKey: Uint8Array,
    items: SealedItems,
  ): Promise<Session> {
    const vaultId = unb64uId(opened.vault.vault_id);
    const item = items.state.get(DEVICE_KEY);
    if (item === undefined) throw new StorageError('damaged');
    const keys = new HeldKeys(duressKey, vaultId, await this.#device({ vaultKey: duressKey, vaultId }, item));
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
    const secrets = decoySecrets(this.#secretsContext(), {
      duressKey: () => keys.vaultKey,
      decoyDb,
      vault: opened.vault,
      rewrapped: (nonce) => {
        wrapNonce = nonce;
      },
    });
    const session = this.#session(decoyDb, secrets, keys);
    return session;
  }

  #session(db: () => Promise<Db>, secrets: SecretsDoor, keys: HeldKeys): Session {
    const context: SessionContext = {
      db,
      vaultDb: () => this.#db(),
      secrets,
      lockName: `${this.#name}:write`,
      now: this.#now,
      onLock: (session) => this.#sessions.delete(session),
    };
    const session = new Session(context, keys);
    this.#sessions.add(session);
    return session;
  }

  #secretsContext(): SecretsContext {
    return {
      vaultOptions: this.#vaultOptions,
      duressState: stateKey(DURESS_STATE),
      decoyDevice: async (keys) => [
        DEVICE_KEY,
        await sealJson(keys, 'state', DEVICE_KEY, storedDevice(await generateDeviceKeys())),
      ],
    };
  }

  /** This device's keys from their sealed item; `damaged` when they do not open or are not keys. */
  async #device(keys: VaultKeys, item: unknown): Promise<DeviceKeys> {
    const stored = await openJson<StoredDevice>(keys, 'state', DEVICE_KEY, item);
    return deviceKeysFrom(unb64u(stored.signSeed), unb64u(stored.kemPrivate)).catch((error: unknown) => {
      throw new StorageError('damaged', { cause: error });
    });
  }
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
