import { strings } from '../strings';

/** The recovery key as the person types it: no autocomplete, no spelling help (it is not words). */
export function RecoveryKeyInput({ value, onInput }: { value: string; onInput(value: string): void }) {
  return (
    <>
      <label for="recovery-key">{strings.recoveryKey}</label>
      <input
        id="recovery-key"
        type="text"
        autocomplete="off"
        autocapitalize="characters"
        spellcheck={false}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </>
  );
}
