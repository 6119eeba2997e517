import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { type Estimator, loadEstimator, refused, type Strength, strengthOf } from '../passphrase';
import { strings } from '../strings';

const strengthText: Record<Strength, string> = {
  'too-short': strings.passphraseTooShort,
  'too-common': strings.passphraseTooCommon,
  weak: strings.strengthWeak,
  fair: strings.strengthFair,
  good: strings.strengthGood,
  strong: strings.strengthStrong,
};

interface PassphraseFieldsProps {
  /** Label of the first field. */
  label: string;
  /** The chosen passphrase once both fields agree and it may be chosen (long enough, not one guessers try first), else null. */
  onChange(passphrase: string | null): void;
}

/** A new passphrase typed twice, with feedback on how hard it is to guess. */
export function PassphraseFields({ label, onChange }: PassphraseFieldsProps) {
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
      <label for="new-passphrase">{label}</label>
      <input
        id="new-passphrase"
        type="password"
        autocomplete="new-password"
        aria-describedby="passphrase-strength"
        value={first}
        onInput={(event) => {
          setFirst(event.currentTarget.value);
          estimator.load();
        }}
      />
      <p id="passphrase-strength" class="hint" data-strength={first === '' ? 'empty' : strength} aria-live="polite">
        {first === '' ? '' : strengthText[strength]}
      </p>
      {estimator.now === 'unavailable' && <p class="hint">{strings.strengthCheckOffline}</p>}
      <label for="new-passphrase-again">{strings.passphraseAgain}</label>
      <input
        id="new-passphrase-again"
        type="password"
        autocomplete="new-password"
        aria-describedby="passphrase-match"
        value={again}
        onInput={(event) => setAgain(event.currentTarget.value)}
      />
      <p id="passphrase-match" class="hint" aria-live="polite">
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
