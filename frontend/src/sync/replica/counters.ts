// A circle's counters as the server answers them, alone or with a page of changes (PROTOCOL §7,
// "Pulling"): checked for form before a replica compares them with what it holds, so a malformed
// answer is a named refusal that applies nothing, never a comparison that silently passes.
import { isObject } from '../../crypto/json';
import type { CirclePublic } from '../../wire/api';
import { BAD_RESPONSE } from '../errors';
import { ApiError } from '../transport/api';

export type Counters = Pick<CirclePublic, 'change_seq' | 'log_seq' | 'head_hash'>;

const isPosition = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** `value` as counters; `what` names the answer they came in, for the refusal. */
export function countersIn(value: unknown, what: string): Counters {
  if (isObject(value)) {
    const { change_seq, log_seq, head_hash } = value;
    if (isPosition(change_seq) && isPosition(log_seq) && typeof head_hash === 'string')
      return { change_seq, log_seq, head_hash };
  }
  throw new ApiError(200, BAD_RESPONSE, `${what} without the circle's counters in their form`);
}
