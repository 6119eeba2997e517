import { useState } from 'preact/hooks';
import { failureText } from './failures';

export interface Action {
  readonly busy: boolean;
  /** What went wrong, in the person's words; '' when nothing did. */
  readonly error: string;
  /** Runs `work` unless one is running; a failure becomes `error` (see `describe`). */
  run(work: () => Promise<void>): void;
}

/**
 * One button's work: busy while it runs, its failure said plainly. `describe` turns a failure
 * into words: by default the catalogue's line for its code (ui/failures.ts).
 */
export function useAction(describe: (failure: unknown) => string = (f) => failureText(f)): Action {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = (work: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError('');
    work()
      .catch((failure: unknown) => setError(describe(failure)))
      .finally(() => setBusy(false));
  };
  return { busy, error, run };
}
