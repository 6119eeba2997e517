/**
 * Three-way, field-level merge of a record body two devices changed from the same revision
 * (PROTOCOL.md §7, "Merging concurrent revisions"); the shared `merge` vectors fix its behaviour.
 *
 * Contract: no one's words are dropped. A field only one side changed takes that side's value; a
 * field both changed differently takes the later side's value and keeps the other in
 * `_conflicts` for a person to look at, except a text member (`TEXT_MEMBERS`), which merges word
 * by word and keeps only the words both changed differently. An edit beats a deletion made at the
 * same time.
 */
import { type JsonObject, jsonEqual } from '../crypto/json';
import type { Conflict } from './kinds';
import { mergeText, TEXT_MEMBERS } from './textMerge';

export const CONFLICTS = '_conflicts';

/** The hlc of each side's revision, when the caller knows it (a rebase knows the remote one). */
export interface SideClocks {
  readonly local?: string;
  readonly remote?: string;
}

const ABSENT = Symbol('absent');
type Value = unknown;

function member(body: JsonObject, key: string): Value {
  return Object.hasOwn(body, key) ? body[key] : ABSENT;
}

function same(a: Value, b: Value): boolean {
  return a === ABSENT || b === ABSENT ? a === b : jsonEqual(a, b);
}

function conflictsOf(body: JsonObject): unknown[] {
  const value = body[CONFLICTS];
  return Array.isArray(value) ? value : [];
}

/** Code point order, as the spec says (not the locale's, not UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) ?? 0);
  const y = [...b].map((c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return x.length - y.length;
}

/**
 * The word-by-word merge of a text member both sides changed differently, or null when the member
 * merges as one value (another member, a value that is not a string, too many units).
 */
function textMerge(key: string, b: Value, l: Value, r: Value, localIsLater: boolean) {
  if (!TEXT_MEMBERS.has(key) || typeof b !== 'string' || typeof l !== 'string' || typeof r !== 'string') return null;
  return mergeText(b, l, r, localIsLater);
}

/**
 * The merged body, or null when the record ends deleted. `localIsLater` is true when the local
 * revision will carry the later hybrid logical clock (a client rebasing its own edit passes true).
 * A conflict entry carries the hlc of the side whose value it keeps, when `clocks` gives it.
 */
export function merge(
  base: JsonObject | null,
  local: JsonObject | null,
  remote: JsonObject | null,
  localIsLater: boolean,
  clocks: SideClocks = {},
): JsonObject | null {
  if (local === null || remote === null) {
    const survivor = local ?? remote;
    return survivor === null || (base !== null && jsonEqual(survivor, base)) ? null : survivor;
  }
  const origin = base ?? {};
  const keys = [...new Set([...Object.keys(local), ...Object.keys(remote), ...Object.keys(origin)])]
    .filter((k) => k !== CONFLICTS)
    .sort(byCodePoint);
  const merged: JsonObject = {};
  const found: Conflict[] = [];
  const loserHlc = localIsLater ? clocks.remote : clocks.local;
  const signed = loserHlc === undefined ? {} : { hlc: loserHlc };
  for (const key of keys) {
    const [b, l, r] = [member(origin, key), member(local, key), member(remote, key)];
    let value: Value = r;
    if (!(same(l, r) || same(l, b))) {
      const text = same(r, b) ? null : textMerge(key, b, l, r, localIsLater);
      if (same(r, b)) value = l;
      else if (text !== null) {
        value = text.text;
        for (const span of text.spans) found.push({ field: key, value: span.value, at: span.at, ...signed });
      } else {
        const [winner, loser] = localIsLater ? [l, r] : [r, l];
        value = winner;
        if (loser !== ABSENT) found.push({ field: key, value: loser, ...signed });
      }
    }
    if (value !== ABSENT) merged[key] = value;
  }
  const conflicts: unknown[] = [];
  for (const entry of [...conflictsOf(remote), ...conflictsOf(local), ...found]) {
    if (!conflicts.some((kept) => jsonEqual(kept, entry))) conflicts.push(entry);
  }
  if (conflicts.length > 0) merged[CONFLICTS] = conflicts;
  return merged;
}
