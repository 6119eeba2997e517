/**
 * Argon2id's cost (§5, §13) and the range every reader accepts, in a module of their own: the
 * local store checks its parameters when it is made, before unlock, without the vault's crypto.
 */
import { ProtocolError } from './errors';

/** Argon2id cost: memory in KiB, passes, lanes. */
export interface Argon2Parameters {
  readonly mKib: number;
  readonly t: number;
  readonly p: number;
}

/** RFC 9106's second recommended option with one lane (§13). */
export const DEFAULT_PARAMETERS: Argon2Parameters = { mKib: 65536, t: 3, p: 1 };
/** Reserved for test vectors (§5): fast, and refused unless a caller asks for them explicitly. */
export const TEST_PARAMETERS: Argon2Parameters = { mKib: 64, t: 1, p: 1 };
/** The range every reader enforces (§5, §13): OWASP's minimum … what a 2019 phone's browser unlocks in seconds. */
const FLOOR: Argon2Parameters = { mKib: 19456, t: 2, p: 1 };
const CEILING: Argon2Parameters = { mKib: 131072, t: 4, p: 4 };

export interface VaultOptions {
  /** Accept TEST_PARAMETERS. Only the vector runner and tests pass this. */
  readonly allowTestParameters?: boolean;
}

/**
 * Contract: parameters outside [19456 KiB, t 2, p 1] … [131072 KiB, t 4, p 4] are
 * `weak_parameters`, so neither a tampered file nor an absurd one can weaken or stall unlocking;
 * TEST_PARAMETERS pass only with `allowTestParameters`.
 */
export function checkParameters(params: Argon2Parameters, options: VaultOptions = {}): void {
  const names = ['mKib', 't', 'p'] as const;
  const inRange = names.every((name) => FLOOR[name] <= params[name] && params[name] <= CEILING[name]);
  const isTest = names.every((name) => params[name] === TEST_PARAMETERS[name]);
  if (!inRange && !(options.allowTestParameters === true && isTest)) {
    throw new ProtocolError('weak_parameters', 'Argon2id parameters outside the accepted range');
  }
}
