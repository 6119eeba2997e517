/** Times (§1): RFC 3339 UTC in exactly one form, `YYYY-MM-DDTHH:MM:SSZ`, in the years 0001–9999. */
import { ProtocolError } from './errors';

/**
 * The one time form of §1, `YYYY-MM-DDTHH:MM:SSZ`; milliseconds are dropped. A moment outside
 * the years 0001–9999 has no such form: RangeError.
 */
export function formatTime(moment: Date): string {
  const year = moment.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999)
    throw new RangeError('a protocol time is in the years 0001 to 9999');
  return moment.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/**
 * A time in the one form §1 allows, `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC, whole seconds), e.g.
 * "2026-12-01T00:00:00Z".
 *
 * Contract: any other form (a fraction, an offset, a lower-case t or z, a space) and a date or
 * time that does not exist (31 February, hour 24, second 60) are `malformed`.
 */
export function parseTime(value: unknown): Date {
  const match = typeof value === 'string' ? TIME.exec(value) : null;
  if (match === null) throw new ProtocolError('malformed', 'a time is YYYY-MM-DDTHH:MM:SSZ');
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1) throw new ProtocolError('malformed', 'a protocol time is in the years 0001 to 9999');
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  const moment = new Date(0);
  moment.setUTCFullYear(year, month - 1, day);
  moment.setUTCHours(hour, minute, second, 0);
  // A date that does not exist rolls over (31 February into March): compare every field back.
  const fields = [
    moment.getUTCFullYear(),
    moment.getUTCMonth() + 1,
    moment.getUTCDate(),
    moment.getUTCHours(),
    moment.getUTCMinutes(),
    moment.getUTCSeconds(),
  ];
  if (fields.some((field, i) => field !== [year, month, day, hour, minute, second][i])) {
    throw new ProtocolError('malformed', 'no such date or time');
  }
  return moment;
}
