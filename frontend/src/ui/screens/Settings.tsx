import { useEffect, useState } from 'preact/hooks';
import type { AppSettings } from '../../records';
import { exitUrl as validExitUrl } from '../../safety/quickExit';
import { type Persistence, requestPersistence } from '../../storage';
import { Choice } from '../Choice';
import { DisguiseChoice } from '../DisguiseChoice';
import { Limits } from '../Limits';
import { strings } from '../strings';
import { LOCK_CHOICES_MINUTES } from '../vault';
import { BackupAndPassphrase } from './BackupAndPassphrase';
import { Devices } from './Devices';
import { DuressPassphrase } from './DuressPassphrase';
import { OtherServer } from './OtherServer';
import { RegistrationCode } from './RegistrationCode';
import { Wipe } from './Wipe';
import { WipeAfter } from './WipeAfter';

interface SettingsProps {
  settings: AppSettings;
  onChange(settings: AppSettings): Promise<void>;
  onWiped(): void;
}

const persistenceText: Record<Persistence, string> = {
  granted: strings.persistenceGranted,
  refused: strings.persistenceRefused,
  unsupported: strings.persistenceUnsupported,
};

/** This device's settings: locking, leaving, sync, other devices, backups, wiping. */
export function Settings({ settings, onChange, onWiped }: SettingsProps) {
  const [persistence, setPersistence] = useState<Persistence | null>(null);
  useEffect(() => void requestPersistence().then(setPersistence), []);
  return (
    <>
      <h1>{strings.settingsHeading}</h1>
      <SafetySettings settings={settings} onChange={onChange} />
      <section class="panel">
        <DisguiseChoice idPrefix="disguise" />
      </section>
      <OtherServer />
      {persistence !== null && (
        <p class="hint" data-testid="persistence" data-state={persistence}>
          {persistenceText[persistence]}
        </p>
      )}
      <section class="panel" aria-labelledby="limits-heading-2">
        <Limits headingLevel={2} />
      </section>
      <Devices />
      <BackupAndPassphrase />
      <DuressPassphrase />
      <WipeAfter />
      <Wipe onWiped={onWiped} />
    </>
  );
}

function SafetySettings({ settings, onChange }: Pick<SettingsProps, 'settings' | 'onChange'>) {
  const [lockAfter, setLockAfter] = useState(settings.lockAfterMinutes);
  const [exitUrl, setExitUrl] = useState(settings.quickExitUrl);
  const [sync, setSync] = useState(settings.serverUrl !== '');
  const [code, setCode] = useState(settings.registrationCode ?? '');
  const [message, setMessage] = useState('');
  const exitValid = exitUrl.trim() === '' || validExitUrl(exitUrl.trim()) !== null;
  const submit = (event: Event) => {
    event.preventDefault();
    if (!exitValid) return;
    const next = {
      ...settings,
      lockAfterMinutes: lockAfter,
      quickExitUrl: exitUrl.trim(),
      serverUrl: sync ? location.origin : '',
      registrationCode: code.trim(),
    };
    onChange(next).then(
      () => setMessage(strings.settingsSaved),
      () => setMessage(strings.saveFailed),
    );
  };
  return (
    <form class="panel" onSubmit={submit} aria-label={strings.settingsHeading} noValidate>
      <label for="lock-after">{strings.lockAfter}</label>
      <select id="lock-after" value={String(lockAfter)} onChange={(e) => setLockAfter(Number(e.currentTarget.value))}>
        {LOCK_CHOICES_MINUTES.map((minutes) => (
          <option key={minutes} value={String(minutes)}>
            {strings.minutes(minutes)}
          </option>
        ))}
      </select>
      <label for="exit-target">{strings.exitTarget}</label>
      <input
        id="exit-target"
        type="url"
        inputMode="url"
        autocomplete="off"
        aria-describedby="exit-target-help exit-target-error"
        aria-invalid={!exitValid}
        value={exitUrl}
        onInput={(e) => setExitUrl(e.currentTarget.value)}
      />
      <p id="exit-target-help" class="hint">
        {strings.exitTargetHelp}
      </p>
      <p id="exit-target-error" class="error" aria-live="polite">
        {exitValid ? '' : strings.exitTargetInvalid}
      </p>
      <Choice id="sync-setting" label={strings.syncSetting} checked={sync} onChange={setSync} />
      {sync && <RegistrationCode value={code} onInput={setCode} help={strings.registrationCodeSettingsHelp} />}
      <button type="submit">{strings.save}</button>
      <p role="status" data-testid="settings-status">
        {message}
      </p>
    </form>
  );
}
