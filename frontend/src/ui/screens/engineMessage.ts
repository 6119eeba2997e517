import { StorageError } from '../../storage';
import { failureText } from '../failures';
import { failureStrings } from '../strings';

/** The sync engine's failures are already written for the person; storage's are said by their code. */
export function engineMessage(failure: unknown): string {
  if (failure instanceof StorageError) return failureText(failure);
  return failure instanceof Error && failure.message !== '' ? failure.message : failureStrings.generic;
}
