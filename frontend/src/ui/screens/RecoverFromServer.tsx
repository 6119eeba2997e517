import { useState } from 'preact/hooks';
import type { Session } from '../../storage';
import { recoveryFailureText } from '../failures';
import { useFocusOnMount } from '../focus';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { DEFAULT_SETTINGS, store, writeSettings } from '../vault';
import { PassphraseFields } from './PassphraseFields';
import { RecoveryKeyInput } from './RecoveryKeyInput';
import { RegistrationCode } from './RegistrationCode';

interface RecoverFromServerProps {
  /** The new vault holds the plan and is open; its own new `recoveryText` must be shown once. */
  onCreated(session: Session, recoveryText: string): void;
  onBack(): void;
}

/** On a new device: the recovery key of a device that synced brings the plan here from the server (PROTOCOL §15). */
export function RecoverFromServer({ onCreated, onBack }: RecoverFromServerProps) {
  const [key, setKey] = useState('');
  const [passphrase, setPassphrase] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const { busy, error, run } = useAction(recoveryFailureText);
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const recover = (event: Event) => {
    event.preventDefault();
    if (passphrase === null) return;
    run(async () => {
      // Loaded only here: the circle protocol is not needed to set up a new plan.
      const { recoverFromServer } = await import('../../sync/devices/recover');
      // Sync is on from the start: a hand-over cut short is finished by the sync engine.
      // The code is kept with the settings, so the engine can finish a hand-over cut short.
      const registrationCode = code.trim() === '' ? {} : { registrationCode: code.trim() };
      const onVault = (session: Session) =>
        writeSettings(session, { ...DEFAULT_SETTINGS, serverUrl: location.origin, ...registrationCode });
      const { session, recoveryText } = await recoverFromServer(store, key, passphrase, {
        onVault,
        ...registrationCode,
      });
      onCreated(session, recoveryText);
    });
  };
  return (
    <form onSubmit={recover} aria-labelledby="from-server-heading">
      <h1 id="from-server-heading" tabIndex={-1} ref={heading}>
        {strings.fromServerHeading}
      </h1>
      <p>{strings.fromServerHelp}</p>
      <RecoveryKeyInput value={key} onInput={setKey} />
      <PassphraseFields label={strings.newPassphrase} onChange={setPassphrase} />
      <RegistrationCode value={code} onInput={setCode} help={strings.registrationCodeHelp} />
      <button type="submit" disabled={busy || key.trim() === '' || passphrase === null}>
        {strings.fromServerButton}
      </button>
      <p role="status">{busy ? strings.fromServerBusy : ''}</p>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" class="link" onClick={onBack}>
        {strings.fromServerBack}
      </button>
    </form>
  );
}
