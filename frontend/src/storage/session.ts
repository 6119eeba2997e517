/** An unlocked vault: the only way to read or write what a person keeps on this device. */
import { b64u } from '../crypto/encoding';
import type { DeviceKeys } from '../crypto/identity';
import type { JsonObject } from '../crypto/json';
import {
  type Argon2Parameters,
  rewrapPassphrase,
  rewrapRecovery,
  unlockWithPassphrase,
  type Vault,
  type VaultOptions,
} from '../crypto/vault';
import type { RecordBodies, RecordKind } from '../records';
import { exportBackup } from './backup';
import { type Db, inTransaction } from './db';
import { StorageError } from './errors';
import { ESCROW, ESCROW_RETIRED, type StoredEscrow, storedEscrow } from './escrowState';
import { exclusive } from './exclusive';
import { MIN_WIPE_AFTER, readGuard, writeGuard } from './guard';
import { checkRecordId } from './ids';
import type { HeldKeys } from './keys';
import { openJson, sealJson } from './sealed';
import { openAll, readSlot, writeSlot } from './slots';
import {
  localPut,
  localRemove,
  markedSent,
  type OutboxEntry,
  passedOver,
  type RemoteOutcome,
  type RemoteRevision,
  type Revision,
  remote,
  type SentChange,
  type Slot,
  type StoredRecord,
  settled,
} from './transitions';
import { readVault, VAULT_KEY } from './vaultMeta';

/** What a session needs from the store that opened it. */
export interface SessionContext {
  readonly db: () => Promise<Db>;
  /** The name writers of this database take turns under (see exclusive). */
  readonly lockName: string;
  readonly now: () => number;
  readonly params: Argon2Parameters;
  readonly vaultOptions: VaultOptions;
  readonly onLock: (session: Session) => void;
}

/** A record as the UI sees it. */
export interface LocalRecord<K extends RecordKind> {
  readonly id: string;
  readonly kind: K;
  readonly body: RecordBodies[K];
  /** True while this device has changes the server does not have yet. */
  readonly unsynced: boolean;
  /** The shared circle it belongs to (b64u id); absent for the person's own records. */
  readonly circle?: string;
  /** The clock of the last revision synced (PROTOCOL §7 `hlc`: when, and which device wrote it); absent before the first sync. */
  readonly hlc?: string;
  /** The key epoch that revision was sealed under, when known. */
  readonly epoch?: number;
}

/** A record waiting to be sent, as the sync engine sees it. */
export interface PendingChange {
  readonly recordId: string;
  readonly kind: RecordKind;
  /** The body to send; null sends a deletion. */
  readonly body: JsonObject | null;
  /** The revision it builds on (its seq is the change's base_seq), or null for a new record. */
  readonly base: Revision | null;
  /** The shared circle it goes to (b64u id); absent for the personal circle (or, for settings, no server). */
  readonly circle?: string;
  /** What was already sent for it, to resend unchanged, or null. */
  readonly sent: SentChange | null;
}

/** Which kind a stored record is, in which circle, and the revision it builds on. */
export interface RecordPlace {
  readonly kind: RecordKind;
  readonly circle?: string;
  readonly base: Revision | null;
}

const CURSORS_KEY = 'cursors';

/** Where the engine's named values live in the `state` store: apart from `device` and `cursors`. */
export function stateKey(name: string): string {
  if (name.length === 0) throw new RangeError('a state name is not empty');
  return `engine:${name}`;
}

export class Session {
  readonly #ctx: SessionContext;
  readonly #keys: HeldKeys;
  /** A read of every record in flight, shared by the lists asked for meanwhile; never one begun before a write ended. */
  #reading: Promise<{ id: string; value: StoredRecord }[]> | null = null;
  readonly #writeWatchers = new Set<() => void>();

  constructor(ctx: SessionContext, keys: HeldKeys) {
    this.#ctx = ctx;
    this.#keys = keys;
  }

  /** True once lock() was called (or the store was wiped): every other call then rejects with `locked`. */
  get locked(): boolean {
    return this.#keys.dropped;
  }

  /** This device's private keys, for the sync engine to sign and open with. Throws `locked` after lock(). */
  get deviceKeys(): DeviceKeys {
    return this.#keys.device;
  }

  /**
   * This device's id (b64u), for a screen to tell its own records from others': the UI gets this
   * string, never the keys above. Throws `locked` after lock().
   */
  get deviceId(): string {
    return b64u(this.#keys.device.public.deviceId);
  }

  /**
   * Drops every key from memory (zeroing the bytes) at once, synchronously, so quick exit can call
   * it before navigating away. Must never fail; calling it twice is harmless.
   */
  lock(): void {
    if (this.locked) return;
    this.#reading = null;
    this.#writeWatchers.clear();
    this.#keys.drop();
    this.#ctx.onLock(this);
  }

  // Records -------------------------------------------------------------------------------------

  /**
   * Saves `body` as record `id` of `kind` (new or edited) together with its outbox entry, in one
   * transaction; resolves only once both are committed, so the UI may then say "saved".
   *
   * Contract: rejects with `locked` after lock(), `kind_mismatch` when `id` is another kind's, a
   * RangeError for an id not made by newRecordId, `too_large` (ProtocolError) when the record does
   * not fit 64 KiB; on any rejection nothing was written. Never writes plaintext. A record of a
   * shared circle names it (`circle`, its b64u id) and stays in it: `circle_mismatch` otherwise.
   */
  put<K extends RecordKind>(kind: K, id: string, body: RecordBodies[K], circle?: string): Promise<void> {
    return this.#written(this.#step(id, (slot) => localPut(slot, kind, body as JsonObject, this.#ctx.now(), circle)));
  }

  /**
   * Deletes record `id`: at once if the server never had it, otherwise as a tombstone (hidden from
   * get and list) kept with its outbox entry until the server has the deletion.
   */
  remove(kind: RecordKind, id: string): Promise<void> {
    return this.#written(this.#step(id, (slot) => localRemove(slot, kind, this.#ctx.now())));
  }

  /**
   * Calls `watcher` after every local edit (put or remove) is committed, so the sync engine can
   * send it at once; returns the function that stops watching. A watcher that throws is ignored:
   * the edit is saved whatever it does.
   */
  watchWrites(watcher: () => void): () => void {
    this.#writeWatchers.add(watcher);
    return () => this.#writeWatchers.delete(watcher);
  }

  /** Record `id` if it exists as `kind` and is not deleted. Rejects with `damaged` if it does not open. */
  async get<K extends RecordKind>(kind: K, id: string): Promise<LocalRecord<K> | undefined> {
    checkRecordId(id);
    const { record } = await readSlot(await this.#db(), this.#keys, id);
    return record === null ? undefined : visible(kind, id, record);
  }

  /**
   * Every record of `kind` that is not deleted, of the shared circle `circle` (b64u id) or, without
   * it, of the person's own; in no particular order. Rejects with `damaged` if any does not open.
   */
  async list<K extends RecordKind>(kind: K, circle?: string): Promise<LocalRecord<K>[]> {
    const all = await this.#readAll();
    // A read shared with a list asked for before lock() must not answer one asked for after it.
    if (this.locked) throw new StorageError('locked');
    return all
      .filter(({ value }) => value.circle === circle)
      .map(({ id, value }) => visible(kind, id, value))
      .filter((r): r is LocalRecord<K> => r !== undefined);
  }

  // The outbox, for the sync engine ------------------------------------------------------------

  /** Every record with unsynced changes, oldest first. */
  async pending(): Promise<PendingChange[]> {
    const db = await this.#db();
    const entries = await openAll<OutboxEntry>(db, this.#keys, 'outbox');
    entries.sort((a, b) => a.value.queuedAt - b.value.queuedAt || (a.id < b.id ? -1 : 1));
    const slots = await Promise.all(entries.map(({ id }) => readSlot(db, this.#keys, id)));
    return slots.flatMap((slot, i) => pendingChange(entries[i]!.id, slot));
  }

  /**
   * Records that `sent` (the body exactly as sealed, its change id and hlc) is being sent for
   * `recordId`. Rejects with `not_pending` when the record has no unsynced change.
   */
  markSent(recordId: string, sent: SentChange): Promise<void> {
    return this.#step(recordId, (slot) => markedSent(slot, sent));
  }

  /**
   * The server accepted the sent change as revision `seq`: in one transaction the record's base
   * becomes what was sent and its outbox entry goes, unless it was edited since (then the entry
   * stays, for the newer words). Rejects with `not_pending` if nothing with this `hlc` was sent.
   */
  settle(recordId: string, seq: number, hlc: string): Promise<void> {
    return this.#step(recordId, (slot) => settled(slot, seq, hlc));
  }

  /**
   * Stores a revision pulled from the server (already opened and verified by the sync engine).
   * A record with unsynced local changes keeps them, merged (PROTOCOL §7) onto the revision, and
   * stays in the outbox: an unsynced edit is never dropped. Its own sent change coming back
   * settles it; a revision at or before the record's base changes nothing. Safe to repeat, so a
   * crash between this and setCursor only means the revision is applied again.
   *
   * The engine checks that `revision.body` has the form of `kind` before calling: the body is
   * stored as given, and the UI reads it as that kind. Rejects with `kind_mismatch` for a record
   * stored as another kind, `circle_mismatch` for one of another circle (`circle`: the shared
   * circle it was pulled from, absent for the personal one), and then changes nothing.
   */
  async applyRemote(
    kind: RecordKind,
    recordId: string,
    revision: RemoteRevision,
    circle?: string,
  ): Promise<RemoteOutcome> {
    let outcome: RemoteOutcome = 'known';
    await this.#step(recordId, (slot) => {
      const result = remote(slot, kind, revision, circle);
      outcome = result.outcome;
      return result.slot;
    });
    return outcome;
  }

  /** Leaves a pulled revision out, keeping what is stored (see passedOver). Safe to repeat. */
  passOver(recordId: string, seq: number): Promise<void> {
    return this.#step(recordId, (slot) => passedOver(slot, seq));
  }

  /**
   * Where record `id` lives and what it builds on, or null when this device does not hold it: the
   * sync engine checks a pulled revision against it before applying (PROTOCOL §16).
   */
  async placeOf(id: string): Promise<RecordPlace | null> {
    checkRecordId(id);
    const { record } = await readSlot(await this.#db(), this.#keys, id);
    return record === null
      ? null
      : { kind: record.kind, ...(record.circle === undefined ? {} : { circle: record.circle }), base: record.base };
  }

  /** The change-log cursor of a circle (0 before its first pull). */
  async cursor(circleId: string): Promise<number> {
    return (await this.#cursors(await this.#db()))[circleId] ?? 0;
  }

  /** Moves a circle's cursor forward; a lower value than the stored one is ignored (a cursor never moves back). */
  async setCursor(circleId: string, cursor: number): Promise<void> {
    if (!Number.isSafeInteger(cursor) || cursor < 0) throw new RangeError('a cursor is a non-negative integer');
    return this.#exclusive(async (db) => {
      const cursors = await this.#cursors(db);
      if ((cursors[circleId] ?? 0) >= cursor) return;
      const item = await sealJson(this.#keys, 'state', CURSORS_KEY, { ...cursors, [circleId]: cursor });
      await inTransaction(db, ['state'], (tx) => [() => tx.objectStore('state').put(item, CURSORS_KEY)]);
    });
  }

  // The sync engine's own state ----------------------------------------------------------------

  /**
   * A small JSON value the sync engine keeps sealed under `name` (its circles, verified log heads,
   * link secrets), or undefined when none was set. Names are the engine's own; they live apart
   * from the store's internal items, so no name can overwrite the device keys or the cursors.
   */
  async getState(name: string): Promise<unknown> {
    const key = stateKey(name);
    const item = await (await this.#db()).get('state', key);
    return item === undefined ? undefined : openJson<unknown>(this.#keys, 'state', key, item);
  }

  /**
   * Seals `value` (JSON) under `name`, replacing what was there; `undefined` removes it. Resolves
   * once committed. Rejects with `too_large` (ProtocolError) for a value over 64 KiB, writing nothing.
   */
  setState(name: string, value: unknown): Promise<void> {
    const key = stateKey(name);
    return this.#exclusive(async (db) => {
      if (value === undefined) {
        await inTransaction(db, ['state'], (tx) => [() => tx.objectStore('state').delete(key)]);
        return;
      }
      const item = await sealJson(this.#keys, 'state', key, value);
      await inTransaction(db, ['state'], (tx) => [() => tx.objectStore('state').put(item, key)]);
    });
  }

  // Settings kept outside the records ----------------------------------------------------------

  /**
   * Replaces the passphrase (new salt; Argon2id parameters as the store was given). Needs the
   * current one, so a person who finds the app unlocked cannot lock its owner out. Rejects with
   * `wrong_passphrase` (not counted as a failed unlock) and changes nothing then.
   */
  changePassphrase(current: string, next: string): Promise<void> {
    return this.#exclusive(async (db) => {
      const vault = await this.#checkPassphrase(db, current);
      const rewrapped = await rewrapPassphrase(
        vault,
        this.#keys.vaultKey,
        next,
        this.#ctx.params,
        this.#ctx.vaultOptions,
      );
      await inTransaction(db, ['meta'], (tx) => [() => tx.objectStore('meta').put(rewrapped, VAULT_KEY)]);
    });
  }

  /**
   * Replaces the recovery key: the old one no longer opens this vault, and the escrow the sync
   * engine keeps at the server is sealed again under the new one (the old escrow's id is kept in
   * ESCROW_RETIRED until the engine has deleted it). Resolves with the new key's text: show it
   * once. Needs the current passphrase, as changePassphrase does; `wrong_passphrase` otherwise,
   * with nothing changed.
   */
  newRecoveryKey(current: string): Promise<string> {
    return this.#exclusive(async (db) => {
      const vault = await this.#checkPassphrase(db, current);
      const made = await rewrapRecovery(vault, this.#keys.vaultKey);
      const [escrowKey, retiredKey] = [stateKey(ESCROW), stateKey(ESCROW_RETIRED)];
      const before = await db.get('state', escrowKey);
      const retired = await db.get('state', retiredKey);
      const oldIds = retired === undefined ? [] : await openJson<string[]>(this.#keys, 'state', retiredKey, retired);
      const oldId =
        before === undefined ? [] : [(await openJson<StoredEscrow>(this.#keys, 'state', escrowKey, before)).id];
      const escrow = await sealJson(this.#keys, 'state', escrowKey, storedEscrow(made.escrow));
      const retiring = await sealJson(this.#keys, 'state', retiredKey, [...oldIds, ...oldId]);
      await inTransaction(db, ['meta', 'state'], (tx) => [
        () => tx.objectStore('meta').put(made.vault, VAULT_KEY),
        () => tx.objectStore('state').put(escrow, escrowKey),
        () => tx.objectStore('state').put(retiring, retiredKey),
      ]);
      return made.recoveryText;
    });
  }

  /**
   * Wipes everything after `attempts` wrong passphrases in a row (at least MIN_WIPE_AFTER), or
   * never with null (the default). Stored outside the vault so it works before unlocking: a
   * deterrent against guessing through the app, not against someone who copies the storage.
   */
  async setWipeAfter(attempts: number | null): Promise<void> {
    if (attempts !== null && (!Number.isSafeInteger(attempts) || attempts < MIN_WIPE_AFTER)) {
      throw new RangeError(`wipe after at least ${MIN_WIPE_AFTER} attempts, or never (null)`);
    }
    return this.#exclusive(async (db) => writeGuard(db, { ...(await readGuard(db)), wipeAfter: attempts }));
  }

  /**
   * An encrypted backup: the vault object and every sealed item, ciphertext only, as a JSON file.
   * It opens only with the passphrase (or recovery key) in force when it was made.
   */
  exportBackup(): Promise<Blob> {
    return this.#exclusive((db) => exportBackup(db));
  }

  // ----------------------------------------------------------------------------------------------

  async #db(): Promise<Db> {
    if (this.locked) throw new StorageError('locked');
    return this.#ctx.db();
  }

  #exclusive<T>(work: (db: Db) => Promise<T>): Promise<T> {
    this.#reading = null;
    return exclusive(this.#ctx.lockName, async () => {
      try {
        return await work(await this.#db());
      } finally {
        this.#reading = null;
      }
    });
  }

  /**
   * Every record, opened. A screen that lists two kinds at once (the plan and its allies) opens
   * each record once, not once per kind: a list asked for while a read runs shares it, unless a
   * write of this session began since.
   */
  #readAll(): Promise<{ id: string; value: StoredRecord }[]> {
    if (this.locked) return Promise.reject(new StorageError('locked'));
    if (this.#reading !== null) return this.#reading;
    const reading = this.#db().then((db) => openAll<StoredRecord>(db, this.#keys, 'records'));
    const done = () => {
      if (this.#reading === reading) this.#reading = null;
    };
    reading.then(done, done);
    this.#reading = reading;
    return reading;
  }

  /** The stored vault, once `passphrase` is shown to open it: `wrong_passphrase` otherwise (not counted as a failed unlock). */
  async #checkPassphrase(db: Db, passphrase: string): Promise<Vault> {
    const vault = await readVault(db);
    try {
      await unlockWithPassphrase(vault, passphrase, this.#ctx.vaultOptions);
    } catch (error) {
      throw new StorageError('wrong_passphrase', { cause: error });
    }
    return vault as Vault;
  }

  async #written(write: Promise<void>): Promise<void> {
    await write;
    for (const watcher of [...this.#writeWatchers]) {
      try {
        watcher();
      } catch {
        // The edit is committed; a watcher's trouble is its own.
      }
    }
  }

  /** Reads record `id` with its entry, applies `transition`, writes both back in one transaction. */
  async #step(id: string, transition: (slot: Slot) => Slot): Promise<void> {
    checkRecordId(id);
    return this.#exclusive(async (db) => writeSlot(db, this.#keys, id, transition(await readSlot(db, this.#keys, id))));
  }

  async #cursors(db: Db): Promise<Record<string, number>> {
    const item = await db.get('state', CURSORS_KEY);
    return item === undefined ? {} : openJson<Record<string, number>>(this.#keys, 'state', CURSORS_KEY, item);
  }
}

function visible<K extends RecordKind>(kind: K, id: string, record: StoredRecord): LocalRecord<K> | undefined {
  if (record.kind !== kind || record.body === null) return undefined;
  const where = record.circle === undefined ? {} : { circle: record.circle };
  const when =
    record.base === null
      ? {}
      : { hlc: record.base.hlc, ...(record.base.epoch === undefined ? {} : { epoch: record.base.epoch }) };
  return { id, kind, body: record.body as RecordBodies[K], unsynced: record.unsynced, ...where, ...when };
}

function pendingChange(recordId: string, slot: Slot): PendingChange[] {
  const { record, entry } = slot;
  if (record === null || entry === null) return [];
  const where = record.circle === undefined ? {} : { circle: record.circle };
  return [{ recordId, kind: record.kind, body: record.body, base: record.base, sent: entry.sent, ...where }];
}
