/** The app's local storage: the vault's life cycle, before and around unlocked sessions. */
import { deleteDB } from 'idb';
import {
  type Argon2Parameters,
  checkParameters,
  DEFAULT_PARAMETERS,
  type VaultOptions,
} from '../crypto/argon2Parameters';
import { type Db, DEFAULT_DB_NAME, openDatabase } from './db';
import { exclusive } from './exclusive';
import { readGuard, remainingWaitMs } from './guard';
import type { StoreParts } from './opening';
import type { Session } from './session';
import { VAULT_KEY } from './vaultMeta';

type Opening = typeof import('./opening');

let openingLoad: Promise<Opening> | null = null;

/** The opening's code, loaded once; a failed load is tried again at the next use. */
function loadOpening(): Promise<Opening> {
  openingLoad ??= import('./opening').catch((error: unknown) => {
    openingLoad = null;
    throw error;
  });
  return openingLoad;
}

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
    checkParameters(this.#params, this.#vaultOptions);
  }

  /**
   * Loads the code that opens a vault (and Argon2id's) ahead of its first use: the first screen
   * calls this once it is drawn, so that unlocking waits for neither.
   */
  prepare(): void {
    loadOpening().then(
      (opening) => opening.preloadArgon2id(),
      () => undefined, // the opening itself tries again, and reports
    );
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
    return this.#opening((opening, db) => opening.createVault(this.#parts(), db, passphrase, initialState));
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
    return this.#opening((opening, db) => opening.unlock(this.#parts(), db, passphrase));
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
    return this.#opening((opening, db) => opening.unlockWithRecovery(this.#parts(), db, recoveryText, newPassphrase));
  }

  /**
   * Restores an encrypted backup (from Session.exportBackup) into this app; unlock it afterwards
   * with the passphrase that was in force when the backup was made.
   *
   * Contract: `vault_exists` when this device already has a vault; `bad_backup` for a file not
   * of the backup's form; in both cases nothing is written.
   */
  importBackup(file: Blob): Promise<void> {
    return this.#opening(async (opening, db) => opening.importBackup(db, opening.parseBackup(await file.text())));
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

  /**
   * Runs `work` with the opening's code (loaded now if `prepare` has not yet) inside the write
   * lock. The code is loaded before the lock is taken and the attempt counted: a failed load
   * costs no attempt.
   */
  async #opening<T>(work: (opening: Opening, db: Db) => Promise<T>): Promise<T> {
    const opening = await loadOpening();
    return this.#exclusive((db) => work(opening, db));
  }

  #parts(): StoreParts {
    return {
      name: this.#name,
      params: this.#params,
      vaultOptions: this.#vaultOptions,
      now: this.#now,
      sessions: this.#sessions,
      db: () => this.#db(),
      wipe: () => this.wipe(),
    };
  }
}
