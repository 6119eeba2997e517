/** Record ids: random, so an IndexedDB key says nothing about what it holds. */
import { b64u, ID_BYTES, unb64uId } from '../crypto/encoding';
import { randomBytes } from '../crypto/random';

/** A new record id: 16 random bytes as b64u, so an IndexedDB key says nothing about its content. */
export function newRecordId(): string {
  return b64u(randomBytes(ID_BYTES));
}

/** Contract: an id that is not 16 bytes of canonical b64u is a RangeError (a caller's bug, never stored). */
export function checkRecordId(id: string): void {
  try {
    unb64uId(id);
  } catch {
    throw new RangeError('a record id is 16 bytes as b64u: use newRecordId');
  }
}
