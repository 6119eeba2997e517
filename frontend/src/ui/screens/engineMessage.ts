import { strings } from '../strings';

/** The sync engine's failures are already written for the person. */
export function engineMessage(failure: unknown): string {
  return failure instanceof Error && failure.message !== '' ? failure.message : strings.genericError;
}
