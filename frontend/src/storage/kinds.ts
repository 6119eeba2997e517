/** The documents the app keeps, typed for the UI; stored and synced as JSON objects. */
import { b64u, ID_BYTES, unb64uId } from '../crypto/encoding';
import { randomBytes } from '../crypto/primitives';
import type { Conflict } from '../sync/merge';

/** Values another device's concurrent edit replaced, kept for the person to look at (PROTOCOL §7). */
export type WithConflicts = { readonly _conflicts?: readonly Conflict[] };

/** One answer of the guided plan: private unless the person marks it shareable. */
export type PlanAnswer = WithConflicts & {
  /** Which guided section this answers (a stable section key, not words the person wrote). */
  readonly section: string;
  readonly answer: string;
  readonly shareable: boolean;
  /** Ids of ally records this answer is linked to. */
  readonly allyIds: readonly string[];
};

export type AllyRole = 'supports-me' | 'supports-person-doing-harm' | 'facilitator' | 'supports-allies';
export type AllyStatus = 'ally' | 'maybe' | 'barrier';

/** A person on the map of possible allies and barriers: always private, never shared. */
export type Ally = WithConflicts & {
  /** A name or nickname. */
  readonly name: string;
  /** How to reach them. */
  readonly reach: string;
  readonly roles: readonly AllyRole[];
  readonly whatTheyKnow: string;
  readonly whatIWantThemToKnow: string;
  readonly availability: string;
  readonly trustNotes: string;
  readonly status: AllyStatus;
};

/**
 * One of the person's own devices, as it names itself. Its record id is its device id; it goes
 * only to the personal circle (the person's own devices), never to a shared one.
 */
export type DeviceNote = WithConflicts & {
  /** A name the person recognises, e.g. "Android phone"; they can change it. */
  readonly name: string;
  /** The last day it synced (YYYY-MM-DD, its own calendar): a day, so it says little about habits. */
  readonly seenOn: string;
};

/** This app's settings. */
export type AppSettings = WithConflicts & {
  readonly serverUrl: string;
  readonly lockAfterMinutes: number;
  /** Where quick exit goes: a neutral page. */
  readonly quickExitUrl: string;
};

export interface RecordBodies {
  readonly plan: PlanAnswer;
  readonly ally: Ally;
  readonly device: DeviceNote;
  readonly settings: AppSettings;
}

export type RecordKind = keyof RecordBodies;
export const RECORD_KINDS: readonly RecordKind[] = ['plan', 'ally', 'device', 'settings'];

export function isRecordKind(value: unknown): value is RecordKind {
  return typeof value === 'string' && (RECORD_KINDS as readonly string[]).includes(value);
}

/**
 * Whether the sync engine may send this record to a shared circle: only a plan answer the person
 * marked shareable. Allies (the map of allies and barriers) and settings never are.
 */
export function isShareable(kind: RecordKind, body: unknown): boolean {
  return kind === 'plan' && typeof body === 'object' && body !== null && (body as { shareable?: unknown }).shareable === true;
}

/** A new record id: 16 random bytes as b64u, so an IndexedDB key says nothing about its content. */
export function newRecordId(): string {
  return b64u(randomBytes(ID_BYTES));
}

/** Contract: an id that is not 16 bytes of canonical b64u is a RangeError (a caller's bug, never stored). */
export function checkRecordId(id: string): void {
  try {
    unb64uId(id);
  } catch {
    throw new RangeError('a record id is 16 bytes as b64u: use newRecordId');
  }
}
