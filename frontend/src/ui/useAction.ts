import { useState } from 'preact/hooks';
import { strings } from './strings';
import { plainError } from './vault';

export interface Action {
  readonly busy: boolean;
  /** What went wrong, in the person's words; '' when nothing did. */
  readonly error: string;
  /** Runs `work` unless one is running; a failure becomes `error` (see `describe`). */
  run(work: () => Promise<void>): void;
}

/**
 * One button's work: busy while it runs, its failure said plainly. `describe` turns a failure
 * into words; by default storage refusals keep their own and anything else is a calm generic line.
 */
export function useAction(describe: (failure: unknown) => string = (f) => plainError(f, strings.genericError)): Action {
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
