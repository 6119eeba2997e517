/**
 * Passphrase feedback: one length rule, no rules about symbols or capitals (they make people
 * choose worse passphrases), and an honest estimate of how hard it is to guess.
 */
export const MIN_PASSPHRASE_LENGTH = 8;

export type Strength = 'too-short' | 'weak' | 'fair' | 'good' | 'strong';

// A guesser tries these first; a passphrase made only of them (or one repeated) counts as weak.
const COMMON = ['password', 'passw0rd', 'qwerty', 'letmein', 'iloveyou', 'welcome', 'monkey', 'dragon', 'abc', '123', 'admin', 'secret'];

/**
 * Contract: depends only on the text; never stored or sent. The estimate is rough and cautious on
 * purpose: about 2.5 bits a character (people write words, not random letters), a little more for
 * digits or symbols and mixed case, and half as much when most of it is what guessers try first.
 */
export function strengthOf(passphrase: string): Strength {
  const chars = [...passphrase];
  if (chars.length < MIN_PASSPHRASE_LENGTH) return 'too-short';
  const bits = estimatedBits(passphrase, chars.length);
  if (bits < 28) return 'weak';
  if (bits < 40) return 'fair';
  if (bits < 55) return 'good';
  return 'strong';
}

function estimatedBits(text: string, length: number): number {
  const lower = text.toLowerCase();
  // Many repeats of few characters: count the distinct ones, not the length.
  const effective = Math.min(length, new Set(lower).size * 2);
  let bits = effective * 2.5;
  if (/[^a-z]/.test(lower)) bits += 4;
  if (/[a-z]/.test(text) && /[A-Z]/.test(text)) bits *= 1.1;
  const stripped = COMMON.reduce((rest, word) => rest.split(word).join(''), lower);
  if (stripped.length < lower.length / 2) bits /= 2;
  return bits;
}
