/**
 * Three-way merge of a text two devices changed from the same revision (PROTOCOL.md §7,
 * "Merging text"); the shared `text_merge` vectors fix its behaviour, and the Python reference
 * client (support_circle/protocol/text_merge.py) does exactly the same.
 *
 * Contract: words only one side changed take that side's words; where both sides changed the same
 * words differently the later side's words stand and the earlier side's come back as a span for a
 * person to look at. The diff is @sanity/diff-match-patch (Google's diff-match-patch) with no
 * deadline over one character per unit, so it finds what the Python library finds.
 */
import { DIFF_DELETE, DIFF_EQUAL, DIFF_INSERT, makeDiff } from '@sanity/diff-match-patch';

/** Members whose string values merge word by word instead of as one value (§7). */
export const TEXT_MEMBERS: ReadonlySet<string> = new Set(['text']);

/**
 * More distinct units than this in a base and one side: the member merges as one value. It keeps
 * every unit's character below the surrogates, so one character is one unit in both languages.
 */
export const MAX_DISTINCT_UNITS = 50_000;

type Ranges = readonly (readonly [number, number])[];

const SPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0x85, 0x85],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];
const IDEOGRAPH: Ranges = [
  [0x2e80, 0x2fdf],
  [0x3001, 0x303f],
  [0x3041, 0x3098],
  [0x309b, 0x30ff],
  [0x3100, 0x312f],
  [0x3190, 0x31ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xf900, 0xfaff],
  [0xff01, 0xff9d],
  [0x20000, 0x3ffff],
];
const JOINER: Ranges = [
  [0x0300, 0x036f],
  [0x1ab0, 0x1aff],
  [0x1dc0, 0x1dff],
  [0x200c, 0x200d],
  [0x20d0, 0x20ff],
  [0x3099, 0x309a],
  [0xfe00, 0xfe0f],
  [0xfe20, 0xfe2f],
  [0xff9e, 0xff9f],
  [0xe0100, 0xe01ef],
];

function charClass(ranges: Ranges): string {
  const hex = (n: number) => `\\u{${n.toString(16)}}`;
  return ranges.map(([low, high]) => `${hex(low)}-${hex(high)}`).join('');
}

const [W, I, J] = [charClass(SPACE), charClass(IDEOGRAPH), charClass(JOINER)];
/**
 * A unit as §7 cuts them: whitespace, then one ideograph with its joined marks or a run of other
 * characters; whitespace with no word after it (the end of the text) is a unit alone. The `u` flag
 * reads code points, so a cut never falls inside a surrogate pair.
 */
const UNIT = new RegExp(`[${W}]*(?:[${I}][${J}]*|[^${W}${I}]+)|[${W}]+`, 'gu');
const ONLY_SPACE = new RegExp(`^[${W}]*$`, 'u');

/** Whether the text holds nothing but whitespace (§7's list, not what a regular expression calls space). */
export function isSpace(text: string): boolean {
  return ONLY_SPACE.test(text);
}

/**
 * The text cut into units: each word with the whitespace before it; whitespace that ends the text
 * is a unit too. A word is one ideograph with the marks joined to it, or a run of anything else.
 * The units joined are the text again.
 */
export function units(text: string): string[] {
  return text.match(UNIT) ?? [];
}

const LOCAL = 0;
const REMOTE = 1;
type Side = typeof LOCAL | typeof REMOTE;

/** One side replaced the base's units `start` to `end` (exclusive) by `units`. */
interface Hunk {
  readonly side: Side;
  readonly start: number;
  readonly end: number;
  readonly units: readonly string[];
}

/** Where both sides changed the same words differently: the losing words, and the merged text's words in their place. */
export interface Span {
  readonly value: string;
  readonly at: string;
}

/** What `edited` changed in `base`, in order; null when they hold too many distinct units. */
function hunks(base: readonly string[], edited: readonly string[], side: Side): Hunk[] | null {
  const codes = new Map<string, string>();
  for (const unit of [...base, ...edited]) {
    if (!codes.has(unit)) codes.set(unit, String.fromCharCode(codes.size + 1));
  }
  if (codes.size > MAX_DISTINCT_UNITS) return null;
  const encode = (list: readonly string[]) => list.map((u) => codes.get(u)).join('');
  // No deadline: the diff never depends on the machine's speed (the half-match step always runs).
  const diffs = makeDiff(encode(base), encode(edited), { checkLines: false, timeout: Infinity });
  const found: Hunk[] = [];
  let pos = 0;
  let at = 0;
  let start: number | null = null;
  let added: string[] = [];
  for (const [op, chars] of [...diffs, [DIFF_EQUAL, ''] as const]) {
    if (op !== DIFF_EQUAL && start === null) [start, added] = [pos, []];
    if (op === DIFF_DELETE) pos += chars.length;
    if (op === DIFF_INSERT) append(added, edited.slice(at, at + chars.length));
    if (op !== DIFF_DELETE) at += chars.length;
    if (op === DIFF_EQUAL) {
      if (start !== null) found.push({ side, start, end: pos, units: added });
      start = null;
      pos += chars.length;
    }
  }
  return found;
}

/** Whether hunks of the two sides touch the same words (two insertions at one place meet too). */
function meet(a: Hunk, b: Hunk): boolean {
  if (a.start < b.end && b.start < a.end) return true;
  if (a.start === a.end) return b.start <= a.start && a.start <= b.end;
  if (b.start === b.end) return a.start <= b.start && b.start <= a.end;
  return false;
}

/** The hunks joined by meeting, directly or through others, in the order of the base. */
function groups(local: readonly Hunk[], remote: readonly Hunk[]): Hunk[][] {
  const everything = [...local, ...remote];
  const parent = everything.map((_, i) => i);
  const root = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    return r;
  };
  let first = 0;
  local.forEach((hunk, i) => {
    while (first < remote.length && (remote[first] as Hunk).end < hunk.start) first++;
    for (let j = first; j < remote.length && (remote[j] as Hunk).start <= hunk.end; j++) {
      if (meet(hunk, remote[j] as Hunk)) parent[root(local.length + j)] = root(i);
    }
  });
  const byRoot = new Map<number, Hunk[]>();
  everything.forEach((hunk, i) => {
    const group = byRoot.get(root(i));
    if (group === undefined) byRoot.set(root(i), [hunk]);
    else group.push(hunk);
  });
  return [...byRoot.values()].sort((a, b) => spanOf(a).start - spanOf(b).start || spanOf(a).end - spanOf(b).end);
}

/** The base units a group covers. */
function spanOf(group: readonly Hunk[]): { start: number; end: number } {
  return group.reduce((s, h) => ({ start: Math.min(s.start, h.start), end: Math.max(s.end, h.end) }), {
    start: Number.POSITIVE_INFINITY,
    end: Number.NEGATIVE_INFINITY,
  });
}

/** Appends without spreading: a long text has more units than a call takes arguments. */
function append(out: string[], list: readonly string[]): void {
  for (const unit of list) out.push(unit);
}

function apply(base: readonly string[], start: number, end: number, list: readonly Hunk[]): string[] {
  const out: string[] = [];
  let pos = start;
  for (const hunk of [...list].sort((a, b) => a.start - b.start)) {
    append(out, base.slice(pos, hunk.start));
    append(out, hunk.units);
    pos = hunk.end;
  }
  append(out, base.slice(pos, end));
  return out;
}

function sameUnits(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((u, i) => u === b[i]);
}

function contains(longer: readonly string[], shorter: readonly string[]): boolean {
  for (let i = 0; i + shorter.length <= longer.length; i++) {
    if (sameUnits(longer.slice(i, i + shorter.length), shorter)) return true;
  }
  return false;
}

/** Both sides inserted words at one place: one copy when one holds the other, else both, the earlier side's first. */
function insertions(earlier: string[], later: string[]): string[] {
  if (contains(later, earlier)) return later;
  if (contains(earlier, later)) return earlier;
  return [...earlier, ...later];
}

/**
 * The merged text and, in text order, the spans where both sides changed the same words
 * differently; null when the texts hold too many distinct units to merge word by word.
 */
export function mergeText(
  base: string,
  local: string,
  remote: string,
  localIsLater: boolean,
): { text: string; spans: Span[] } | null {
  const origin = units(base);
  const mine = hunks(origin, units(local), LOCAL);
  const theirs = hunks(origin, units(remote), REMOTE);
  if (mine === null || theirs === null) return null;
  const [later, earlier]: [Side, Side] = localIsLater ? [LOCAL, REMOTE] : [REMOTE, LOCAL];
  const out: string[] = [];
  const spans: Span[] = [];
  let pos = 0;
  for (const group of groups(mine, theirs)) {
    const { start, end } = spanOf(group);
    append(out, origin.slice(pos, start));
    pos = end;
    const sides = [LOCAL, REMOTE].map((side) =>
      apply(
        origin,
        start,
        end,
        group.filter((h) => h.side === side),
      ),
    );
    const [ours, others, kept, lost] = [sides[LOCAL], sides[REMOTE], sides[later], sides[earlier]] as string[][];
    const only = group.length === 1 ? group[0] : undefined;
    if (only !== undefined) append(out, only.units);
    else if (sameUnits(ours, others)) append(out, ours);
    else if (start === end) append(out, insertions(lost, kept));
    else {
      append(out, kept);
      const words = lost.join('');
      if (!isSpace(words)) spans.push({ value: words, at: kept.join('') });
    }
  }
  append(out, origin.slice(pos));
  return { text: out.join(''), spans };
}
