/**
 * The jobs an unlocked vault (a Session) does, one interface each, so a caller names the jobs it
 * needs (the sync engine's replica: DeviceIdentity & Outbox & ReplicaState) instead of carving its
 * own subset of Session. Session implements them all, which checks every signature here.
 */
import type { DuressAction } from '../crypto/duress';
import type { DeviceKeys } from '../crypto/identity';
import type { JsonObject } from '../crypto/json';
import type { RecordBodies, RecordKind } from '../records';
import type { DuressState } from './secrets';
import type { RemoteOutcome, RemoteRevision, Revision, SentChange } from './transitions';

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

/** Who this device is: its keys, for the protocol's signing and opening, and its id, for telling its own from others'. */
export interface DeviceIdentity {
  /** This device's private keys, for the sync engine to sign and open with. Throws `locked` after lock(). */
  readonly deviceKeys: DeviceKeys;
  /**
   * This device's id (b64u), as records and members name it, to tell its own from others': the UI
   * gets this string, never the keys above. Throws `locked` after lock().
   */
  readonly deviceId: string;
}

/** The person's records, read and edited: what the UI works with, and what sync writes its copies through. */
export interface Records {
  /**
   * Saves `body` as record `id` of `kind` (new or edited) together with its outbox entry, in one
   * transaction; resolves only once both are committed, so the UI may then say "saved".
   *
   * Contract: rejects with `locked` after lock(), `kind_mismatch` when `id` is another kind's, a
   * RangeError for an id not made by newRecordId, `too_large` (ProtocolError) when the record does
   * not fit 64 KiB; on any rejection nothing was written. Never writes plaintext. A record of a
   * shared circle names it (`circle`, its b64u id) and stays in it: `circle_mismatch` otherwise.
   */
  put<K extends RecordKind>(kind: K, id: string, body: RecordBodies[K], circle?: string): Promise<void>;

  /**
   * Deletes record `id`: at once if the server never had it, otherwise as a tombstone (hidden from
   * get and list) kept with its outbox entry until the server has the deletion.
   */
  remove(kind: RecordKind, id: string): Promise<void>;

  /**
   * Calls `watcher` after every local edit (put or remove) is committed, so the sync engine can
   * send it at once; returns the function that stops watching. A watcher that throws is ignored:
   * the edit is saved whatever it does.
   */
  watchWrites(watcher: () => void): () => void;

  /** Record `id` if it exists as `kind` and is not deleted. Rejects with `damaged` if it does not open. */
  get<K extends RecordKind>(kind: K, id: string): Promise<LocalRecord<K> | undefined>;

  /**
   * Every record of `kind` that is not deleted, of the shared circle `circle` (b64u id) or, without
   * it, of the person's own; in no particular order. Rejects with `damaged` if any does not open.
   */
  list<K extends RecordKind>(kind: K, circle?: string): Promise<LocalRecord<K>[]>;
}

/** The records' way to and from the server: what waits to be sent, and revisions pulled, for the sync engine. */
export interface Outbox {
  /** Every record with unsynced changes, oldest first. */
  pending(): Promise<PendingChange[]>;

  /**
   * Records that `sent` (the body exactly as sealed, its change id and hlc) is being sent for
   * `recordId`. Rejects with `not_pending` when the record has no unsynced change.
   */
  markSent(recordId: string, sent: SentChange): Promise<void>;

  /**
   * The server accepted the sent change as revision `seq`: in one transaction the record's base
   * becomes what was sent and its outbox entry goes, unless it was edited since (then the entry
   * stays, for the newer words). Rejects with `not_pending` if nothing with this `hlc` was sent.
   */
  settle(recordId: string, seq: number, hlc: string): Promise<void>;

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
  applyRemote(kind: RecordKind, recordId: string, revision: RemoteRevision, circle?: string): Promise<RemoteOutcome>;

  /** Leaves a pulled revision out, keeping what is stored (see passedOver). Safe to repeat. */
  passOver(recordId: string, seq: number): Promise<void>;

  /**
   * Where record `id` lives and what it builds on, or null when this device does not hold it: the
   * sync engine checks a pulled revision against it before applying (PROTOCOL §16).
   */
  placeOf(id: string): Promise<RecordPlace | null>;
}

/** Small values kept sealed by name on this device, never synced: the engine's state, a form's draft. */
export interface StateStore {
  /**
   * A small JSON value the sync engine keeps sealed under `name` (its circles, verified log heads,
   * link secrets), or undefined when none was set. Names are the engine's own; they live apart
   * from the store's internal items, so no name can overwrite the device keys or the cursors.
   */
  getState(name: string): Promise<unknown>;

  /**
   * Seals `value` (JSON) under `name`, replacing what was there; `undefined` removes it. Resolves
   * once committed. Rejects with `too_large` (ProtocolError) for a value over 64 KiB, writing nothing.
   */
  setState(name: string, value: unknown): Promise<void>;
}

/** What a replica keeps between syncs: each circle's place in its change log, beside its named state. */
export interface ReplicaState extends StateStore {
  /** The change-log cursor of a circle (0 before its first pull). */
  cursor(circleId: string): Promise<number>;

  /** Moves a circle's cursor forward; a lower value than the stored one is ignored (a cursor never moves back). */
  setCursor(circleId: string, cursor: number): Promise<void>;
}

/** The vault's own secrets and settings, kept outside the records: its passphrase, recovery key, wipe setting, backup. */
export interface VaultSecrets {
  /**
   * Replaces the passphrase (the vault's salt and Argon2id parameters kept: the duress wrap is
   * made under the same Argon2id run). Needs the current one, so a person who finds the app
   * unlocked cannot lock its owner out. Rejects with `wrong_passphrase` (not counted as a failed
   * unlock) and changes nothing then.
   */
  changePassphrase(current: string, next: string): Promise<void>;

  /** Whether a duress passphrase is set (as this session sees it) and what it does. */
  duress(): Promise<DuressState>;

  /**
   * Sets the duress passphrase (PROTOCOL §5 "Duress wrap"): typed at unlock, it opens a plain
   * decoy of its own (`decoy`, empty until the person prepares it by opening it) or erases this
   * device (`wipe`). Replaces any earlier one and its decoy. Needs the current passphrase
   * (`wrong_passphrase` otherwise); `same_passphrase` when `passphrase` opens the vault itself.
   * Nothing stored, before or after, tells whether one is set.
   */
  setDuress(current: string, passphrase: string, action: DuressAction): Promise<void>;

  /** Removes the duress passphrase and its decoy (both become random filler). Needs the current passphrase. */
  clearDuress(current: string): Promise<void>;

  /**
   * Replaces the recovery key: the old one no longer opens this vault, and the escrow the sync
   * engine keeps at the server is sealed again under the new one (the old escrow's id is kept in
   * ESCROW_RETIRED until the engine has deleted it). Resolves with the new key's text: show it
   * once. Needs the current passphrase, as changePassphrase does; `wrong_passphrase` otherwise,
   * with nothing changed.
   */
  newRecoveryKey(current: string): Promise<string>;

  /**
   * Wipes everything after `attempts` wrong passphrases in a row (at least MIN_WIPE_AFTER), or
   * never with null (the default). Stored outside the vault so it works before unlocking: a
   * deterrent against guessing through the app, not against someone who copies the storage.
   */
  setWipeAfter(attempts: number | null): Promise<void>;

  /**
   * An encrypted backup: the vault object and every sealed item, ciphertext only, as a JSON file.
   * It opens only with the passphrase (or recovery key) in force when it was made.
   */
  exportBackup(): Promise<Blob>;
}
