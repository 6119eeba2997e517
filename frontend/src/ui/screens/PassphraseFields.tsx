import { useState } from 'preact/hooks';
import { strengthOf, type Strength } from '../passphrase';
import { strings } from '../strings';

const strengthText: Record<Strength, string> = {
  'too-short': strings.passphraseTooShort,
  weak: strings.strengthWeak,
  fair: strings.strengthFair,
  good: strings.strengthGood,
  strong: strings.strengthStrong,
};

interface PassphraseFieldsProps {
  /** Label of the first field. */
  label: string;
  /** The chosen passphrase once both fields agree and it is long enough, else null. */
  onChange(passphrase: string | null): void;
}

/** A new passphrase typed twice, with feedback on how hard it is to guess. */
export function PassphraseFields({ label, onChange }: PassphraseFieldsProps) {
  const [first, setFirst] = useState('');
  const [again, setAgain] = useState('');
  const strength = strengthOf(first);
  const report = (a: string, b: string) => onChange(a === b && strengthOf(a) !== 'too-short' ? a : null);
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
          report(event.currentTarget.value, again);
        }}
      />
      <p id="passphrase-strength" class="hint" data-strength={first === '' ? 'empty' : strength} aria-live="polite">
        {first === '' ? '' : strengthText[strength]}
      </p>
      <label for="new-passphrase-again">{strings.passphraseAgain}</label>
      <input
        id="new-passphrase-again"
        type="password"
        autocomplete="new-password"
        aria-describedby="passphrase-match"
        value={again}
        onInput={(event) => {
          setAgain(event.currentTarget.value);
          report(first, event.currentTarget.value);
        }}
      />
      <p id="passphrase-match" class="hint" aria-live="polite">
        {again !== '' && again !== first ? strings.passphraseMismatch : ''}
      </p>
    </>
  );
}
