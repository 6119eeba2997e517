/**
 * A circle's author chains as this device holds them (PROTOCOL §7, "Author chains"), kept sealed
 * in the vault's state beside the cursor, and the breaks a shared circle noted for the person.
 *
 * The state is written before the cursor moves: a crash between the two pulls the same changes
 * again, and a revision whose seq is at or before the one its author's head was taken at is
 * known already, not a roll-back (`known`).
 */

import { type ChainState, newChainState } from '../../crypto/chains';
import { b64u, unb64u } from '../../crypto/encoding';
import { isObject } from '../../crypto/json';
import type { StateStore } from '../../storage';

export const chainName = (circleId: string): string => `chain:${circleId}`;

/** The vault state holding a shared circle's noted chain breaks, until the person has seen them. */
export const noticedName = (circleId: string): string => `noticed:${circleId}`;

/** A break in a member's chain that a shared circle does not stop for (§16). */
export interface Noticed {
  readonly seq: number;
  /** Whose words the server may not have passed on (b64u device id). */
  readonly member: string;
  /** `withheld`, `rolled_back` or `broken_chain`. */
  readonly reason: string;
}

/** A circle's chain state and the seq each head was taken at. */
export interface HeldChains {
  readonly state: ChainState;
  readonly seqs: Map<string, number>;
}

interface StoredChains {
  heads: Record<string, { n: number; hash: string; seq: number }>;
  loose: string[];
  complete: boolean;
}

/** The stored chains, or new ones: complete only for a device that begins at the circle's first change. */
export async function loadChains(
  store: Pick<StateStore, 'getState'>,
  circleId: string,
  cursor: number,
): Promise<HeldChains> {
  const stored = await store.getState(chainName(circleId));
  if (!isObject(stored)) return { state: newChainState(cursor === 0), seqs: new Map() };
  const { heads, loose, complete } = stored as unknown as StoredChains;
  const state = newChainState(complete);
  const seqs = new Map<string, number>();
  for (const [device, head] of Object.entries(heads)) {
    state.heads.set(device, { n: head.n, hash: unb64u(head.hash, 32) });
    seqs.set(device, head.seq);
  }
  for (const device of loose) state.loose.add(device);
  return { state, seqs };
}

export function saveChains(store: Pick<StateStore, 'setState'>, circleId: string, held: HeldChains): Promise<void> {
  const heads: StoredChains['heads'] = {};
  for (const [device, link] of held.state.heads) {
    heads[device] = { n: link.n, hash: b64u(link.hash), seq: held.seqs.get(device) ?? 0 };
  }
  const value: StoredChains = { heads, loose: [...held.state.loose], complete: held.state.complete };
  return store.setState(chainName(circleId), value);
}

/** A change of `author` this device took already, at or before its head: pulled again after a crash. */
export function known(held: HeldChains, author: string, seq: number): boolean {
  const at = held.seqs.get(author);
  return at !== undefined && seq <= at;
}

/** The chain breaks of a shared circle the person has not dismissed yet. */
export async function noticed(store: Pick<StateStore, 'getState'>, circleId: string): Promise<Noticed[]> {
  const held = await store.getState(noticedName(circleId));
  return Array.isArray(held) ? (held as Noticed[]) : [];
}
