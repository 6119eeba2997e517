import { useEffect, useRef, useState } from 'preact/hooks';
import type { Session } from '../../storage';
import { Choice } from '../Choice';
import { DisguiseChoice } from '../DisguiseChoice';
import { HistoryNotice } from '../HistoryNotice';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { DEFAULT_SETTINGS, store, writeSettings } from '../vault';
import { OtherServer } from './OtherServer';
import { PassphraseFields } from './PassphraseFields';
import { RecoverFromServer } from './RecoverFromServer';
import { RegistrationCode } from './RegistrationCode';
import { RestoreBackup } from './RestoreBackup';

interface FirstRunProps {
  /** The vault exists and is open; `recoveryText` must be shown once. */
  onCreated(session: Session, recoveryText: string): void;
  /** A backup was restored: unlock it. */
  onRestored(): void;
}

/** The first screen on a new device: what the app is, a passphrase, and whether to sync. */
export function FirstRun({ onCreated, onRestored }: FirstRunProps) {
  const [passphrase, setPassphrase] = useState<string | null>(null);
  const [sync, setSync] = useState(true);
  const [code, setCode] = useState('');
  const [fromServer, setFromServer] = useState(false);
  // Coming back from recovery, the heading takes the focus; on a first visit the skip link comes first.
  const [back, setBack] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (back && !fromServer) heading.current?.focus();
  }, [back, fromServer]);
  const { busy, error, run } = useAction();

  const create = (event: Event) => {
    event.preventDefault();
    if (passphrase === null) return;
    run(async () => {
      const { session, recoveryText } = await store.createVault(passphrase);
      if (sync)
        await writeSettings(session, {
          ...DEFAULT_SETTINGS,
          serverUrl: location.origin,
          ...(code.trim() === '' ? {} : { registrationCode: code.trim() }),
        });
      onCreated(session, recoveryText);
    });
  };

  if (fromServer) {
    const onBack = () => {
      setBack(true);
      setFromServer(false);
    };
    return <RecoverFromServer onCreated={onCreated} onBack={onBack} />;
  }
  return (
    <>
      <h1 tabIndex={-1} ref={heading}>
        {strings.welcomeHeading}
      </h1>
      <p class="intro">{strings.welcomeIntro}</p>
      <HistoryNotice onDismissed={() => heading.current?.focus()} />
      <DisguiseChoice idPrefix="first-disguise" />
      <form onSubmit={create} aria-labelledby="passphrase-heading">
        <h2 id="passphrase-heading">{strings.firstRunPassphraseHeading}</h2>
        <p>{strings.firstRunPassphraseHelp}</p>
        <PassphraseFields label={strings.passphrase} onChange={setPassphrase} />
        <Choice
          id="sync-choice"
          label={strings.syncChoice}
          checked={sync}
          describedBy="sync-choice-help"
          onChange={setSync}
        />
        <p id="sync-choice-help" class="hint">
          {strings.syncChoiceHelp}
        </p>
        {sync && <RegistrationCode value={code} onInput={setCode} help={strings.registrationCodeHelp} />}
        <button type="submit" disabled={passphrase === null || busy}>
          {strings.createVault}
        </button>
        <p role="status">{busy ? strings.creatingVault : ''}</p>
        {error !== '' && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
      <OtherServer />
      <RestoreBackup onRestored={onRestored} />
      <p>
        <button type="button" class="link" onClick={() => setFromServer(true)}>
          {strings.fromServerOffer}
        </button>
      </p>
    </>
  );
}
