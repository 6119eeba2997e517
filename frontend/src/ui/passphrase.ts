/**
 * Passphrase feedback: one length rule, no rules about symbols or capitals (they make people
 * choose worse passphrases), a refusal of what guessers try first, and an honest estimate of how
 * hard the rest is to guess.
 */
export const MIN_PASSPHRASE_LENGTH = 8;

export type Strength = 'too-short' | 'too-common' | 'weak' | 'fair' | 'good' | 'strong';

/** About how many guesses (log10) a guesser working through the usual lists needs: zxcvbn-ts. */
export type Estimator = (passphrase: string) => number;

/** Whether a passphrase of this strength may not be chosen at all. */
export const refused = (strength: Strength): boolean => strength === 'too-short' || strength === 'too-common';

let loading: Promise<Estimator | null> | null = null;

/**
 * The estimator, fetched once, when a screen that asks for a new passphrase first needs it (its
 * lists are too heavy for the first load; the service worker keeps it once fetched). Null when it
 * cannot be had (offline, and never fetched on this device); a later call tries again.
 */
export function loadEstimator(): Promise<Estimator | null> {
  loading ??= import('./strength').then(
    (module) => module.guessesLog10,
    () => {
      loading = null;
      return null;
    },
  );
  return loading;
}

// A guesser tries these first; without the estimator, a passphrase made mostly of them is refused.
const COMMON = [
  'password',
  'passw0rd',
  'qwerty',
  'letmein',
  'iloveyou',
  'welcome',
  'monkey',
  'dragon',
  'abc',
  '123',
  'admin',
  'secret',
];

/**
 * Contract: depends only on the text; never stored or sent. With the estimator, fewer than 10^6
 * guesses (the commonest passwords, names and words, with their usual twists) is `too-common`;
 * 10^8, 10^10 and 10^12 guesses divide weak, fair, good and strong. At Argon2id's cost a guess
 * costs a computer a good part of a second, so 10^6 of them are hours for an ordinary computer.
 * Without it (not loaded yet, or offline before it was ever fetched) the rough estimate below.
 */
export function strengthOf(passphrase: string, estimate: Estimator | null = null): Strength {
  const chars = [...passphrase];
  if (chars.length < MIN_PASSPHRASE_LENGTH) return 'too-short';
  if (estimate !== null) return byGuesses(estimate(passphrase));
  const lower = passphrase.toLowerCase();
  const stripped = COMMON.reduce((rest, word) => rest.split(word).join(''), lower);
  if (stripped.length < lower.length / 2) return 'too-common';
  const bits = estimatedBits(passphrase, lower, chars.length);
  if (bits < 28) return 'weak';
  if (bits < 40) return 'fair';
  if (bits < 55) return 'good';
  return 'strong';
}

function byGuesses(log10: number): Strength {
  if (log10 < 6) return 'too-common';
  if (log10 < 8) return 'weak';
  if (log10 < 10) return 'fair';
  if (log10 < 12) return 'good';
  return 'strong';
}

/** Rough and cautious on purpose: about 2.5 bits a character (people write words, not random letters), a little more for digits or symbols and mixed case. */
function estimatedBits(text: string, lower: string, length: number): number {
  // Many repeats of few characters: count the distinct ones, not the length.
  const effective = Math.min(length, new Set(lower).size * 2);
  let bits = effective * 2.5;
  if (/[^a-z]/.test(lower)) bits += 4;
  if (/[a-z]/.test(text) && /[A-Z]/.test(text)) bits *= 1.1;
  return bits;
}
