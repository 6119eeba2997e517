/**
 * What a record and its outbox entry become after each step, as pure functions: a local edit, a
 * deletion, a change sent, a change the server accepted, a revision pulled from the server.
 *
 * Invariant: a record has an outbox entry exactly when it has changes the server does not have
 * (`unsynced`). A local edit is never dropped: only the server's acceptance of that very body, or
 * a merge that keeps its words (PROTOCOL §7), ends it.
 */
import { type JsonObject, jsonEqual } from '../crypto/json';
import { merge, type RecordKind } from '../records';
import { StorageError } from './errors';

/** A revision the server holds: its change-log position, clock, and body (null: deleted). */
export interface Revision {
  readonly seq: number;
  readonly hlc: string;
  readonly body: JsonObject | null;
  /** The key epoch it was sealed under, when known: a shared circle's app seals its own records again under a newer one. */
  readonly epoch?: number;
}

/** A record as sealed in the `records` store. `body` null with `unsynced` is a tombstone still to send. */
export interface StoredRecord {
  readonly kind: RecordKind;
  /** The shared circle (b64u id) the record belongs to; absent for the person's own records (their personal circle, or this device only). */
  readonly circle?: string;
  readonly body: JsonObject | null;
  /** The last revision this device synced, which a local edit builds on; null if never synced. */
  readonly base: Revision | null;
  readonly unsynced: boolean;
}

/** What the sync engine sent for a record: kept so settle knows which body the server accepted. */
export interface SentChange {
  readonly changeId: string;
  readonly hlc: string;
  readonly body: JsonObject | null;
  /** The sealed envelope, so a retry sends the same bytes; optional. */
  readonly envelope?: unknown;
  /** Its place in this device's chain (PROTOCOL §7): `n` and the b64u revision hash; absent for a v1 revision. */
  readonly link?: { readonly n: number; readonly hash: string };
}

/** An outbox entry, sealed in the `outbox` store under its record's id. */
export interface OutboxEntry {
  /** When the record first had unsynced changes (ms), to send oldest first; sealed like all else. */
  readonly queuedAt: number;
  readonly sent: SentChange | null;
}

export interface Slot {
  readonly record: StoredRecord | null;
  readonly entry: OutboxEntry | null;
}

/** A revision pulled from the server, as the sync engine opened and verified it. */
export interface RemoteRevision extends Revision {
  readonly changeId: string;
}

export type RemoteOutcome = 'applied' | 'merged' | 'settled' | 'known';

function queued(slot: Slot, now: number): OutboxEntry {
  return slot.entry ?? { queuedAt: now, sent: null };
}

/**
 * A record id stays with the kind and the circle it was first written in: `kind_mismatch` or
 * `circle_mismatch` otherwise. Ids are random, so only a bug or a member of another circle
 * reusing an id it saw can collide, and neither may overwrite what is stored.
 */
function checkPlace(slot: Slot, kind: RecordKind, circle: string | undefined): void {
  if (slot.record === null) return;
  if (slot.record.kind !== kind) throw new StorageError('kind_mismatch');
  if (slot.record.circle !== circle) throw new StorageError('circle_mismatch');
}

function placed(kind: RecordKind, circle: string | undefined): Pick<StoredRecord, 'kind' | 'circle'> {
  return circle === undefined ? { kind } : { kind, circle };
}

/** A local edit: the body changes, the base stays, the record waits in the outbox. */
export function localPut(slot: Slot, kind: RecordKind, body: JsonObject, now: number, circle?: string): Slot {
  checkPlace(slot, kind, circle);
  return {
    record: { ...placed(kind, circle), body, base: slot.record?.base ?? null, unsynced: true },
    entry: queued(slot, now),
  };
}

/**
 * A local deletion. A record the server never had (no base, nothing sent) simply goes; any other
 * becomes a tombstone until the server has the deletion.
 */
export function localRemove(slot: Slot, kind: RecordKind, now: number): Slot {
  if (slot.record !== null && slot.record.kind !== kind) throw new StorageError('kind_mismatch');
  if (slot.record === null) return slot;
  if (slot.record.base === null && slot.entry?.sent == null) return { record: null, entry: null };
  return { record: { ...slot.record, body: null, unsynced: true }, entry: queued(slot, now) };
}

/** The sync engine sealed `sent` for this record and is sending it. */
export function markedSent(slot: Slot, sent: SentChange): Slot {
  if (slot.entry === null) throw new StorageError('not_pending');
  return { record: slot.record, entry: { ...slot.entry, sent } };
}

/** Whether `body` is the same revision content as the base (a record with nothing left to send). */
function settledAs(record: StoredRecord, base: Revision): Slot {
  if (jsonEqual(record.body, base.body)) {
    return { record: base.body === null ? null : { ...record, base, unsynced: false }, entry: null };
  }
  return { record: { ...record, base, unsynced: true }, entry: null };
}

/**
 * The server accepted the sent change as revision `seq`. The record's base becomes what was sent;
 * an edit made since stays unsynced, its entry waiting to be sent on the new base.
 */
export function settled(slot: Slot, seq: number, hlc: string): Slot {
  const sent = slot.entry?.sent;
  if (slot.record === null || slot.entry === null || sent == null || sent.hlc !== hlc)
    throw new StorageError('not_pending');
  const next = settledAs(slot.record, { seq, hlc, body: sent.body, ...epochOf(sent.envelope) });
  return next.record?.unsynced === true ? { ...next, entry: { queuedAt: slot.entry.queuedAt, sent: null } } : next;
}

function epochOf(envelope: unknown): { epoch?: number } {
  const epoch = (envelope as { epoch?: unknown } | undefined)?.epoch;
  return typeof epoch === 'number' ? { epoch } : {};
}

function baseOf(revision: Revision): Revision {
  return {
    seq: revision.seq,
    hlc: revision.hlc,
    body: revision.body,
    ...(revision.epoch === undefined ? {} : { epoch: revision.epoch }),
  };
}

function takeRemote(kind: RecordKind, revision: Revision, circle: string | undefined): Slot {
  const base = baseOf(revision);
  return {
    record: revision.body === null ? null : { ...placed(kind, circle), body: revision.body, base, unsynced: false },
    entry: null,
  };
}

/**
 * A revision pulled from the server. Its own change coming back settles it; an older or known
 * revision changes nothing; a record without local changes takes it; a record with local changes
 * keeps them, merged onto it with the base both started from, and waits to be sent again.
 */
export function remote(
  slot: Slot,
  kind: RecordKind,
  revision: RemoteRevision,
  circle?: string,
): { slot: Slot; outcome: RemoteOutcome } {
  checkPlace(slot, kind, circle);
  if (slot.entry?.sent != null && slot.entry.sent.changeId === revision.changeId) {
    return { slot: settled(slot, revision.seq, slot.entry.sent.hlc), outcome: 'settled' };
  }
  const record = slot.record;
  if (record?.base != null && revision.seq <= record.base.seq) return { slot, outcome: 'known' };
  if (record === null || !record.unsynced || slot.entry === null)
    return { slot: takeRemote(kind, revision, circle), outcome: 'applied' };
  const body = merge(record.base?.body ?? null, record.body, revision.body, true, { remote: revision.hlc });
  const base = baseOf(revision);
  const next = settledAs({ ...record, body }, base);
  return {
    slot: next.record?.unsynced === true ? { ...next, entry: { queuedAt: slot.entry.queuedAt, sent: null } } : next,
    outcome: 'merged',
  };
}

/**
 * A revision the sync engine leaves out (PROTOCOL §16: a member who may not write it, or an older
 * one served again) is still the newest at the server: the record keeps its body and clock, and
 * its base moves to that change, so this device's next edit builds on it and replaces it rather
 * than being refused as stale forever. A record this device does not hold stays absent.
 */
export function passedOver(slot: Slot, seq: number): Slot {
  const record = slot.record;
  if (record === null || (record.base !== null && record.base.seq >= seq)) return slot;
  // The clock and epoch stay those of the revision held: a left-out one changes neither whose
  // record it is nor which key it needs sealing under again.
  const base = record.base === null ? { seq, hlc: '', body: null } : { ...record.base, seq };
  return { record: { ...record, base }, entry: slot.entry };
}
