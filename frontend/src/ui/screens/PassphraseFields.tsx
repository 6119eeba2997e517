import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { type Estimator, loadEstimator, refused, type Strength, strengthOf } from '../passphrase';
import { strings } from '../strings';

// A function, not a table: the words are read when drawn, after ui/language.ts chose the language.
const strengthText = (): Record<Strength, string> => ({
  'too-short': strings.passphraseTooShort,
  'too-common': strings.passphraseTooCommon,
  weak: strings.strengthWeak,
  fair: strings.strengthFair,
  good: strings.strengthGood,
  strong: strings.strengthStrong,
});

interface PassphraseFieldsProps {
  /** Label of the first field. */
  label: string;
  /** The chosen passphrase once both fields agree and it may be chosen (long enough, not one guessers try first), else null. */
  onChange(passphrase: string | null): void;
  /** The first field's id; the others' ids follow from it, so two sets can share a screen. */
  id?: string;
}

/** A new passphrase typed twice, with feedback on how hard it is to guess. */
export function PassphraseFields({ label, onChange, id = 'new-passphrase' }: PassphraseFieldsProps) {
  // The first set on a screen keeps the ids it always had.
  const [strengthId, matchId] =
    id === 'new-passphrase' ? ['passphrase-strength', 'passphrase-match'] : [`${id}-strength`, `${id}-match`];
  const [first, setFirst] = useState('');
  const [again, setAgain] = useState('');
  const estimator = useEstimator();
  const estimate = typeof estimator.now === 'function' ? estimator.now : null;
  const strength = strengthOf(first, estimate);
  const chosen = first === again && !refused(strength) ? first : null;
  // Said from what is drawn, whenever it changes: also when the estimator arrives after the
  // typing (what it refuses must not stay chosen), and never from values typed over since.
  useLayoutEffect(() => onChange(chosen), [chosen]);
  return (
    <>
      <label for={id}>{label}</label>
      <input
        id={id}
        type="password"
        autocomplete="new-password"
        aria-describedby={strengthId}
        value={first}
        onInput={(event) => {
          setFirst(event.currentTarget.value);
          estimator.load();
        }}
      />
      <p id={strengthId} class="hint" data-strength={first === '' ? 'empty' : strength} aria-live="polite">
        {first === '' ? '' : strengthText()[strength]}
      </p>
      {estimator.now === 'unavailable' && <p class="hint">{strings.strengthCheckOffline}</p>}
      <label for={`${id}-again`}>{strings.passphraseAgain}</label>
      <input
        id={`${id}-again`}
        type="password"
        autocomplete="new-password"
        aria-describedby={matchId}
        value={again}
        onInput={(event) => setAgain(event.currentTarget.value)}
      />
      <p id={matchId} class="hint" aria-live="polite">
        {again !== '' && again !== first ? strings.passphraseMismatch : ''}
      </p>
    </>
  );
}

/**
 * The estimator, fetched once the person starts typing a new passphrase (see loadEstimator): who
 * only restores a backup, or looks at Settings, never downloads its lists.
 */
function useEstimator(): { now: Estimator | 'not-yet' | 'unavailable'; load(): void } {
  const [now, setNow] = useState<Estimator | 'not-yet' | 'unavailable'>('not-yet');
  const [wanted, setWanted] = useState(false);
  useEffect(() => {
    if (!wanted) return;
    let shown = true;
    void loadEstimator().then((loaded) => shown && setNow(() => loaded ?? 'unavailable'));
    return () => {
      shown = false;
    };
  }, [wanted]);
  return { now, load: () => setWanted(true) };
}
