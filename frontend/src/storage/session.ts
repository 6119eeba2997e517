/** An unlocked vault: the only way to read or write what a person keeps on this device. */

import type { DuressAction } from '../crypto/duress';
import { b64u } from '../crypto/encoding';
import type { DeviceKeys } from '../crypto/identity';
import type { JsonObject } from '../crypto/json';
import type { RecordBodies, RecordKind } from '../records';
import { type Db, inTransaction } from './db';
import { StorageError } from './errors';
import { exclusive } from './exclusive';
import { MIN_WIPE_AFTER, readGuard, writeGuard } from './guard';
import { checkRecordId } from './ids';
import type { HeldKeys } from './keys';
import { OpenedItems } from './openedItems';
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
import type { DuressState, SecretsDoor } from './secrets';
import { openAll, readSlot, writeSlot } from './slots';
import { stateKey } from './stateKeys';
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

/** What a session needs from the store that opened it. */
export interface SessionContext {
  readonly db: () => Promise<Db>;
  /** The name writers of this database take turns under (see exclusive). */
  readonly lockName: string;
  readonly now: () => number;
  readonly onLock: (session: Session) => void;
  /** This device's IndexedDB: the vault object, the guard and the duress wrap (`db` is a decoy's stores in a decoy). */
  readonly vaultDb: () => Promise<Db>;
  /** Passphrase, recovery key and duress changes: a vault's or a decoy's (secrets.ts). */
  readonly secrets: SecretsDoor;
}

/** The state name of a session's duress setting. */
export const DURESS_STATE = 'duress';

const CURSORS_KEY = 'cursors';

/**
 * An unlocked vault, doing every job roles.ts names: each call's contract is written there, on the
 * interface that declares it.
 */
export class Session implements DeviceIdentity, Records, Outbox, ReplicaState, VaultSecrets {
  readonly #ctx: SessionContext;
  readonly #keys: HeldKeys;
  /** A read of every record in flight, shared by the lists asked for meanwhile; never one begun before a write ended. */
  #reading: Promise<{ id: string; value: StoredRecord }[]> | null = null;
  /** The records opened by earlier reads, so that reading them again decrypts only what changed. */
  readonly #opened = new OpenedItems('records');
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
    this.#opened.close();
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
    return this.#secret((db) => this.#ctx.secrets.changePassphrase(db, this.#keys, current, next));
  }

  newRecoveryKey(current: string): Promise<string> {
    return this.#secret((db) => this.#ctx.secrets.newRecoveryKey(db, this.#keys, current));
  }

  duress(): Promise<DuressState> {
    return this.#secret((db) => this.#ctx.secrets.duress(db, () => this.getState(DURESS_STATE)));
  }

  setDuress(current: string, passphrase: string, action: DuressAction): Promise<void> {
    return this.#secret((db) => this.#ctx.secrets.setDuress(db, this.#keys, current, passphrase, action));
  }

  clearDuress(current: string): Promise<void> {
    return this.#secret((db) => this.#ctx.secrets.clearDuress(db, this.#keys, current));
  }

  async setWipeAfter(attempts: number | null): Promise<void> {
    if (attempts !== null && (!Number.isSafeInteger(attempts) || attempts < MIN_WIPE_AFTER)) {
      throw new RangeError(`wipe after at least ${MIN_WIPE_AFTER} attempts, or never (null)`);
    }
    return this.#secret(async (db) => writeGuard(db, { ...(await readGuard(db)), wipeAfter: attempts }));
  }

  exportBackup(): Promise<Blob> {
    return this.#secret((db) => this.#ctx.secrets.exportBackup(db));
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

  /** Exclusive work on this device's IndexedDB itself (the vault object, the guard), whatever this session's records live in. */
  #secret<T>(work: (db: Db) => Promise<T>): Promise<T> {
    if (this.locked) return Promise.reject(new StorageError('locked'));
    return this.#exclusive(async () => work(await this.#ctx.vaultDb()));
  }

  /**
   * Every record, opened. A screen that lists two kinds at once (the plan and its allies) opens
   * each record once, not once per kind: a list asked for while a read runs shares it, unless a
   * write of this session began since.
   */
  #readAll(): Promise<{ id: string; value: StoredRecord }[]> {
    if (this.locked) return Promise.reject(new StorageError('locked'));
    if (this.#reading !== null) return this.#reading;
    const reading = this.#db().then((db) => openAll<StoredRecord>(db, this.#keys, 'records', this.#opened));
    const done = () => {
      if (this.#reading === reading) this.#reading = null;
    };
    reading.then(done, done);
    this.#reading = reading;
    return reading;
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
