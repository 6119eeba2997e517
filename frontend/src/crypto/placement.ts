/**
 * Where the server placed a change, and when its author says it wrote it (PROTOCOL.md §7, "Where
 * the server placed a change"): the two checks a reader makes with a pulled change's position and
 * its own clock, beyond what the record itself proves. Both are set aside, never refused (§16).
 */
import { type CircleState, endedBefore } from './membership';

/**
 * An hlc more than a day ahead of the reader's clock is set aside: ordinary skew, passed on from
 * clock to clock, stays far below it; a clock set years ahead would win every merge.
 */
export const MAX_AHEAD_MS = 86_400_000;

/** `epoch_ended`: a change under `epoch` the server placed at `position`, after a v2 entry that ended or closed that epoch. */
export function epochEnded(state: Pick<CircleState, 'ends'>, epoch: unknown, position: number): boolean {
  return typeof epoch === 'number' && endedBefore(state, epoch, position);
}

/** `clock_ahead`: an hlc whose time is more than a day after `nowMs`; one not of §7's form is not. */
export function isAhead(hlc: string, nowMs: number): boolean {
  const ms = /^[0-9]{13}-/.test(hlc) ? Number(hlc.slice(0, 13)) : Number.NaN;
  return ms - nowMs > MAX_AHEAD_MS;
}
