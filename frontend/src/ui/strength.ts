/**
 * zxcvbn-ts with its common lists (about 50,000 of the passwords people choose most, diceware’s
 * words) and keyboard layouts. Heavy, so the first load never carries it: only passphrase.ts's
 * loadEstimator imports it, when a screen asks for a new passphrase.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });

/** About how many guesses (log10) a guesser working through the usual lists and patterns needs. */
export function guessesLog10(passphrase: string): number {
  return zxcvbn.check(passphrase).guessesLog10;
}
