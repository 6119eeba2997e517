/** Safety numbers (§10): one number two people can read aloud to compare each other's keys. */
import { compareBytes, concat, utf8 } from './encoding';
import type { PublicIdentity } from './identity';
import { hkdf } from './primitives';

const GROUPS = 8;
const GROUP_BYTES = 5;
const NO_SALT = new Uint8Array(0);

/**
 * 8 groups of 5 digits from both signing keys, in byte order, so both people see the same number
 * whoever computes it. Pass identities that verifyIdentity returned: the number vouches only for
 * the keys it is given.
 */
export async function safetyNumber(a: PublicIdentity, b: PublicIdentity): Promise<string> {
  const [lo, hi] = compareBytes(a.signPub, b.signPub) <= 0 ? [a.signPub, b.signPub] : [b.signPub, a.signPub];
  // 40 bytes, 5 for each group: a 32-byte hash would leave the last group always 00000.
  const digest = await hkdf(concat(lo, hi), NO_SALT, utf8('support-circle/v1/safety-number'), GROUPS * GROUP_BYTES);
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) {
    // 5 bytes are 40 bits: exact in a double, so no BigInt is needed.
    const value = digest.subarray(GROUP_BYTES * i, GROUP_BYTES * (i + 1)).reduce((acc, byte) => acc * 256 + byte, 0);
    groups.push(String(value % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}
