/**
 * Record bodies on the wire: the app's document with its kind, `{ "kind": "ally", ... }`, inside
 * the sealed record (PROTOCOL §7 `body`). Storage keeps the document without `kind`.
 *
 * A pulled body was signed by a member of the circle, so it is not the server's forgery; it may
 * still come from a newer or broken app. Its shape (shared_schema/schemas/record-body.schema.json,
 * PROTOCOL §16) is checked here before storage keeps it, since the UI reads a stored body as its
 * kind without checking again.
 */
import { isObject, type JsonObject } from '../crypto/json';
import { ALLY_ROLES, ALLY_STATUSES, CIRCLE_PURPOSES, FEELINGS, isSyncedKind, type SyncedKind } from './kinds';

/** The body to seal for a stored document of `kind`. */
export function toWire(kind: SyncedKind, body: JsonObject): JsonObject {
  const { kind: _ignored, ...rest } = body;
  return { kind, ...rest };
}

/** A pulled body taken apart, or undefined when it is not a document of a kind this app syncs. */
export function fromWire(body: unknown): { kind: SyncedKind; body: JsonObject } | undefined {
  if (!isObject(body)) return undefined;
  const { kind, ...rest } = body;
  if (!isSyncedKind(kind) || !SHAPES[kind](rest) || !conflictsOk(rest)) return undefined;
  return { kind, body: rest };
}

const isString = (value: unknown): value is string => typeof value === 'string';
const ID = /^[A-Za-z0-9_-]{21}[AQgw]$/;
/** Whether `value` is a record or device id (16 bytes as canonical b64u). */
export const isId = (value: string): boolean => ID.test(value);
/** 32 bytes as canonical b64u: a key or a hash. */
const KEY32 = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const strings = (value: unknown): boolean => Array.isArray(value) && value.every(isString);
/** Whether `value` is one of `values` (a list from kinds.ts). */
const oneOf = (values: readonly string[], value: unknown): boolean => values.includes(value as string);
/** A list of record or device ids. */
const ids = (value: unknown): boolean => strings(value) && (value as string[]).every(isId);
const roles = (value: unknown): boolean =>
  strings(value) && (value as string[]).every((role) => oneOf(ALLY_ROLES, role));
const allStrings = (body: JsonObject, names: readonly string[]): boolean => names.every((name) => isString(body[name]));

const SHAPES: Readonly<Record<SyncedKind, (body: JsonObject) => boolean>> = {
  plan: (b) =>
    allStrings(b, ['section', 'answer']) &&
    typeof b['shareable'] === 'boolean' &&
    strings(b['allyIds']) &&
    (b['allyIds'] as string[]).every(isId),
  ally: (b) =>
    allStrings(b, ['name', 'reach', 'whatTheyKnow', 'whatIWantThemToKnow', 'availability', 'trustNotes']) &&
    roles(b['roles']) &&
    oneOf(ALLY_STATUSES, b['status']),
  device: (b) => allStrings(b, ['name', 'seenOn']) && DAY.test(b['seenOn'] as string),
  share: (b) =>
    allStrings(b, ['circle', 'source', 'copy']) &&
    [b['circle'], b['source'], b['copy']].every((id) => isId(id as string)),
  'circle-link': (b) =>
    allStrings(b, ['circle', 'genesisHash']) && isId(b['circle'] as string) && KEY32.test(b['genesisHash'] as string),
  'circle-key': (b) =>
    allStrings(b, ['circle', 'key']) &&
    isId(b['circle'] as string) &&
    KEY32.test(b['key'] as string) &&
    Number.isInteger(b['epoch']) &&
    (b['epoch'] as number) >= 0 &&
    (b['epoch'] as number) <= 0xffffffff,
  circle: (b) =>
    isString(b['name']) &&
    oneOf(CIRCLE_PURPOSES, b['purpose']) &&
    ids(b['facilitators']) &&
    (b['wellbeing'] === undefined || ids(b['wellbeing'])),
  member: (b) => isString(b['name']),
  'shared-plan': (b) => allStrings(b, ['section', 'answer']),
  'shared-ally': (b) => allStrings(b, ['name', 'reach', 'availability']) && roles(b['roles']),
  note: (b) => allStrings(b, ['title', 'text']),
  checkin: (b) =>
    allStrings(b, ['text', 'need', 'speaksFor']) &&
    oneOf(FEELINGS, b['feeling']) &&
    (b['speaksFor'] === '' || isId(b['speaksFor'] as string)),
};

/** `_conflicts`, when present, is a list of `{ field, value }` (PROTOCOL §7). */
function conflictsOk(body: JsonObject): boolean {
  const conflicts = body['_conflicts'];
  if (conflicts === undefined) return true;
  return (
    Array.isArray(conflicts) && conflicts.every((c) => isObject(c) && isString(c['field']) && Object.hasOwn(c, 'value'))
  );
}
