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
import type {
  DeviceIdentity,
  LocalRecord,
  Outbox,
  PendingChange,
  RecordPlace,
  Records,
  ReplicaState,
  VaultSecrets,
} from './roles';
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

const CURSORS_KEY = 'cursors';

/** Where the engine's named values live in the `state` store: apart from `device` and `cursors`. */
export function stateKey(name: string): string {
  if (name.length === 0) throw new RangeError('a state name is not empty');
  return `engine:${name}`;
}

/**
 * An unlocked vault, doing every job roles.ts names: each call's contract is written there, on the
 * interface that declares it.
 */
export class Session implements DeviceIdentity, Records, Outbox, ReplicaState, VaultSecrets {
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

  get deviceKeys(): DeviceKeys {
    return this.#keys.device;
  }

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

  put<K extends RecordKind>(kind: K, id: string, body: RecordBodies[K], circle?: string): Promise<void> {
    return this.#written(this.#step(id, (slot) => localPut(slot, kind, body as JsonObject, this.#ctx.now(), circle)));
  }

  remove(kind: RecordKind, id: string): Promise<void> {
    return this.#written(this.#step(id, (slot) => localRemove(slot, kind, this.#ctx.now())));
  }

  watchWrites(watcher: () => void): () => void {
    this.#writeWatchers.add(watcher);
    return () => this.#writeWatchers.delete(watcher);
  }

  async get<K extends RecordKind>(kind: K, id: string): Promise<LocalRecord<K> | undefined> {
    checkRecordId(id);
    const { record } = await readSlot(await this.#db(), this.#keys, id);
    return record === null ? undefined : visible(kind, id, record);
  }

  async list<K extends RecordKind>(kind: K, circle?: string): Promise<LocalRecord<K>[]> {
    const all = await this.#readAll();
    // A read shared with a list asked for before lock() must not answer one asked for after it.
    if (this.locked) throw new StorageError('locked');
    return all
      .filter(({ value }) => value.circle === circle)
      .map(({ id, value }) => visible(kind, id, value))
      .filter((r): r is LocalRecord<K> => r !== undefined);
  }

  // Outbox: the records' way to and from the server ---------------------------------------------

  async pending(): Promise<PendingChange[]> {
    const db = await this.#db();
    const entries = await openAll<OutboxEntry>(db, this.#keys, 'outbox');
    entries.sort((a, b) => a.value.queuedAt - b.value.queuedAt || (a.id < b.id ? -1 : 1));
    const slots = await Promise.all(entries.map(({ id }) => readSlot(db, this.#keys, id)));
    return slots.flatMap((slot, i) => pendingChange(entries[i]!.id, slot));
  }

  markSent(recordId: string, sent: SentChange): Promise<void> {
    return this.#step(recordId, (slot) => markedSent(slot, sent));
  }

  settle(recordId: string, seq: number, hlc: string): Promise<void> {
    return this.#step(recordId, (slot) => settled(slot, seq, hlc));
  }

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

  passOver(recordId: string, seq: number): Promise<void> {
    return this.#step(recordId, (slot) => passedOver(slot, seq));
  }

  async placeOf(id: string): Promise<RecordPlace | null> {
    checkRecordId(id);
    const { record } = await readSlot(await this.#db(), this.#keys, id);
    return record === null
      ? null
      : { kind: record.kind, ...(record.circle === undefined ? {} : { circle: record.circle }), base: record.base };
  }

  // ReplicaState: the cursors, and the sync engine's own state ----------------------------------

  async cursor(circleId: string): Promise<number> {
    return (await this.#cursors(await this.#db()))[circleId] ?? 0;
  }

  async setCursor(circleId: string, cursor: number): Promise<void> {
    if (!Number.isSafeInteger(cursor) || cursor < 0) throw new RangeError('a cursor is a non-negative integer');
    return this.#exclusive(async (db) => {
      const cursors = await this.#cursors(db);
      if ((cursors[circleId] ?? 0) >= cursor) return;
      const item = await sealJson(this.#keys, 'state', CURSORS_KEY, { ...cursors, [circleId]: cursor });
      await inTransaction(db, ['state'], (tx) => [() => tx.objectStore('state').put(item, CURSORS_KEY)]);
    });
  }

  async getState(name: string): Promise<unknown> {
    const key = stateKey(name);
    const item = await (await this.#db()).get('state', key);
    return item === undefined ? undefined : openJson<unknown>(this.#keys, 'state', key, item);
  }

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

  // VaultSecrets: settings kept outside the records ---------------------------------------------

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

  async setWipeAfter(attempts: number | null): Promise<void> {
    if (attempts !== null && (!Number.isSafeInteger(attempts) || attempts < MIN_WIPE_AFTER)) {
      throw new RangeError(`wipe after at least ${MIN_WIPE_AFTER} attempts, or never (null)`);
    }
    return this.#exclusive(async (db) => writeGuard(db, { ...(await readGuard(db)), wipeAfter: attempts }));
  }

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
