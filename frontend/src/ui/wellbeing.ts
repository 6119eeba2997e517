/**
 * Everyone's well-being in a circle: who last checked in as struggling or needing a break. Pure
 * functions over check-in records; the words are in strings.ts.
 */
import { type CheckIn, type Feeling, writerOf } from '../records';

/** A check-in as a screen holds it: its body, and its hlc once it was sent (absent: this device's, not sent yet). */
export interface HeldCheckIn {
  readonly hlc?: string;
  readonly body: Pick<CheckIn, 'feeling'>;
}

/** Feelings that call for a gentle word from the others. */
const HARD: readonly Feeling[] = ['struggling', 'need-break'];

/**
 * Each member's newest check-in feeling, by device id, for the members whose newest check-in says
 * they are struggling or need a break. Only the newest counts: someone who said "I am okay" since
 * is not flagged any more. A check-in not sent yet is this device's (`me`) and the newest of its own.
 */
export function strugglingMembers(checkIns: readonly HeldCheckIn[], me: string): Map<string, Feeling> {
  const newest = new Map<string, HeldCheckIn>();
  for (const checkIn of checkIns) {
    const writer = writerOf(checkIn, me);
    const held = newest.get(writer);
    if (held === undefined || (checkIn.hlc ?? '~') > (held.hlc ?? '~')) newest.set(writer, checkIn);
  }
  return new Map(
    [...newest].filter(([, c]) => HARD.includes(c.body.feeling)).map(([writer, c]) => [writer, c.body.feeling]),
  );
}
