/** Safety numbers (§10): one number two people can read aloud to compare each other's keys. */
import { compareBytes, ctx } from './encoding';
import type { PublicIdentity } from './identity';
import { sha256 } from './primitives';

const GROUPS = 8;

/**
 * 8 groups of 5 digits from both signing keys, in byte order, so both people see the same number
 * whoever computes it. Pass identities that verifyIdentity returned: the number vouches only for
 * the keys it is given.
 */
export async function safetyNumber(a: PublicIdentity, b: PublicIdentity): Promise<string> {
  const [lo, hi] = compareBytes(a.signPub, b.signPub) <= 0 ? [a.signPub, b.signPub] : [b.signPub, a.signPub];
  const digest = await sha256(ctx('support-circle/v1/safety-number', lo, hi));
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) {
    // 5 bytes are 40 bits: exact in a double, so no BigInt is needed.
    const value = digest.subarray(5 * i, 5 * i + 5).reduce((acc, byte) => acc * 256 + byte, 0);
    groups.push(String(value % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}
