/**
 * Author chains (PROTOCOL.md §7, "Author chains"): what a reader holds of each author's revisions
 * in one circle, and the ordered checks a pulled v2 revision must pass.
 *
 * Contract: `check` throws a ChainError with the first failing step's code (`rolled_back`,
 * `withheld`, `broken_chain`) and the member whose revision is missing or out of turn; it never
 * changes the state. `accept` takes a revision as its author's head. A change the reader could not
 * open is `leftOut`: from then on it never blames the server for a gap it may have caused.
 */

import { b64u, bytesEqual, unb64u, unb64uId } from './encoding';
import { type ErrorCode, ProtocolError } from './errors';
import type { JsonObject } from './json';
import { CHAINED, type Link, type OpenedRevision, seenLinks } from './records';

export class ChainError extends ProtocolError {
  constructor(
    code: ErrorCode,
    /** The member (b64u device id) whose revision is missing or out of turn. */
    readonly member: string,
    detail: string,
  ) {
    super(code, detail);
  }
}

/** A reader's chain state of one circle; plain data, so it can be stored as it is. */
export interface ChainState {
  heads: Map<string, Link>;
  loose: Set<string>;
  complete: boolean;
}

export function newChainState(complete: boolean): ChainState {
  return { heads: new Map(), loose: new Set(), complete };
}

/** What the chain checks read of a verified v2 revision. */
export interface ChainedRevision {
  readonly author: string;
  readonly link: Link;
  readonly prev: Uint8Array | null;
  readonly seen: ReadonlyMap<string, Link>;
}

/** The chain members of a verified revision, or null for a v1 one (it has no chain). */
export function chainedRevision(opened: OpenedRevision): ChainedRevision | null {
  const { payload } = opened;
  if (payload['v'] !== CHAINED) return null;
  const prev = payload['prev'];
  return {
    author: b64u(unb64uId(payload['author'])),
    link: { n: payload['n'] as number, hash: opened.hash },
    prev: prev === null ? null : unb64u(prev),
    seen: seenLinks(payload),
  };
}

/** A change the reader could not open: it may have been anyone's. */
export function leftOut(state: ChainState): void {
  state.complete = false;
  for (const author of state.heads.keys()) state.loose.add(author);
}

/** The reader's own revision coming back from the server: nothing to check or apply. */
export function ownEcho(state: ChainState, revision: ChainedRevision, me: string): boolean {
  const held = state.heads.get(revision.author);
  return revision.author === me && held !== undefined && revision.link.n <= held.n;
}

/** §7's chain checks 1 to 4, in order. */
export function checkChain(state: ChainState, revision: ChainedRevision): void {
  const { author, link, prev } = revision;
  const held = state.heads.get(author);
  if (held !== undefined && link.n <= held.n) {
    throw new ChainError('rolled_back', author, `revision ${link.n} comes after revision ${held.n} of its author`);
  }
  const expected = held === undefined ? 0 : held.n + 1;
  const maySkip = state.loose.has(author) || (held === undefined && !state.complete);
  if (link.n > expected && !maySkip) {
    throw new ChainError('withheld', author, `revision ${link.n} of its author came, but not revision ${expected}`);
  }
  if (held !== undefined && link.n === held.n + 1 && !state.loose.has(author) && !sameHash(prev, held.hash)) {
    throw new ChainError('broken_chain', author, `revision ${link.n} does not follow the revision before it`);
  }
  for (const other of [...revision.seen.keys()].sort(codePointOrder)) {
    checkClaim(state, other, revision.seen.get(other) as Link);
  }
}

function checkClaim(state: ChainState, other: string, claim: Link): void {
  const held = state.heads.get(other);
  if (state.loose.has(other) || (held === undefined && !state.complete)) return;
  if (held === undefined || held.n < claim.n) {
    throw new ChainError('withheld', other, `its author had received revision ${claim.n} of another member`);
  }
  if (held.n === claim.n && !bytesEqual(held.hash, claim.hash)) {
    throw new ChainError('broken_chain', other, 'its author received another revision of a member under one n');
  }
}

export function acceptChain(state: ChainState, revision: ChainedRevision): void {
  const held = state.heads.get(revision.author);
  if (held === undefined || revision.link.n > held.n) state.heads.set(revision.author, revision.link);
  state.loose.delete(revision.author);
}

/** Checks and takes a revision; false when it is `me`'s own coming back. */
export function readChain(state: ChainState, revision: ChainedRevision, me: string): boolean {
  if (ownEcho(state, revision, me)) return false;
  checkChain(state, revision);
  acceptChain(state, revision);
  return true;
}

/** The heads as JSON ({ device: { n, hash } }), as vectors and storage write them. */
export function headsJson(state: ChainState): JsonObject {
  const out: JsonObject = {};
  for (const [device, link] of [...state.heads].sort(([a], [b]) => codePointOrder(a, b))) {
    out[device] = { n: link.n, hash: b64u(link.hash) };
  }
  return out;
}

function sameHash(a: Uint8Array | null, b: Uint8Array): boolean {
  return a !== null && bytesEqual(a, b);
}

function codePointOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
