import { strings } from '../strings';

/** The code an organisation may hand out before its server lets a new device sync; optional. */
export function RegistrationCode({
  value,
  onInput,
  help,
}: {
  value: string;
  onInput(code: string): void;
  help: string;
}) {
  return (
    <>
      <label for="registration-code">{strings.registrationCode}</label>
      <input
        id="registration-code"
        type="text"
        autocomplete="off"
        spellcheck={false}
        maxLength={200}
        aria-describedby="registration-code-help"
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      <p id="registration-code-help" class="hint">
        {help}
      </p>
    </>
  );
}
