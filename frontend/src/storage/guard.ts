/**
 * The attempt guard: how many wrong passphrases in a row, when the last one was, and the optional
 * wipe-after-N setting.
 *
 * It lives outside the ciphertext (in `meta`) because it must be read before anything can be
 * opened. It holds no content: a count, a time, a number. Someone holding the phone can edit
 * IndexedDB and reset it, or copy the data away and guess offline, so the delay and the wipe only
 * deter guessing through the app itself; Argon2id is what makes each guess slow anywhere.
 */
import type { Db } from './db';

export interface Guard {
  /** Attempts that have not (yet) succeeded, in a row. */
  readonly failures: number;
  /** ms since the Unix epoch of the last one, or null. */
  readonly lastFailureAt: number | null;
  /** Wipe everything once `failures` reaches this; null (the default) never wipes. */
  readonly wipeAfter: number | null;
}

export const FRESH_GUARD: Guard = { failures: 0, lastFailureAt: null, wipeAfter: null };
/** Mistakes happen, especially under stress: the first few cost nothing. */
export const FREE_ATTEMPTS = 3;
const FIRST_DELAY_MS = 5_000;
const MAX_DELAY_MS = 15 * 60_000;
/** The lowest wipe setting: a person who mistypes twice must not lose everything. */
export const MIN_WIPE_AFTER = 5;
const GUARD_KEY = 'guard';

/** The wait after `failures` failed attempts: none for the first three, then 5 s doubling up to 15 min. */
export function retryDelayMs(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(FIRST_DELAY_MS * 2 ** Math.min(failures - FREE_ATTEMPTS, 20), MAX_DELAY_MS);
}

/**
 * How long until the next attempt is allowed. A clock set back never shortens the wait below the
 * full delay counted from now, and never makes it longer than the full delay either.
 */
export function remainingWaitMs(guard: Guard, now: number): number {
  const delay = retryDelayMs(guard.failures);
  if (delay === 0 || guard.lastFailureAt === null) return 0;
  return Math.max(0, Math.min(delay, guard.lastFailureAt + delay - now));
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** The stored guard; anything unreadable counts as a fresh one (an attacker could reset it anyway). */
export async function readGuard(db: Db): Promise<Guard> {
  const stored = (await db.get('meta', GUARD_KEY)) as Record<string, unknown> | undefined;
  if (typeof stored !== 'object' || stored === null) return FRESH_GUARD;
  return {
    failures: count(stored['failures']) ?? 0,
    lastFailureAt: count(stored['lastFailureAt']),
    wipeAfter: count(stored['wipeAfter']),
  };
}

export async function writeGuard(db: Db, guard: Guard): Promise<void> {
  await db.put('meta', { ...guard }, GUARD_KEY);
}

export { GUARD_KEY };
