import { useState } from 'preact/hooks';
import { useSession } from '../appContext';
import { useFocusRequest } from '../focus';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { NewRecoveryKey } from './NewRecoveryKey';
import { PassphraseFields } from './PassphraseFields';

/** Save an encrypted backup file; change the passphrase; replace the recovery key. */
export function BackupAndPassphrase() {
  const session = useSession();
  // A backup file keeps the passphrase it was saved under: once it changes, files saved before
  // still open with the old one, which someone who learnt it may still know.
  const [changed, setChanged] = useState(false);
  const saving = useAction();
  const download = () =>
    saving.run(async () => {
      const blob = await session.exportBackup();
      const url = URL.createObjectURL(blob);
      // A neutral file name: a download list is as visible as a browser's history.
      const link = Object.assign(document.createElement('a'), {
        href: url,
        download: `${strings.backupFileName(new Date().toISOString().slice(0, 10))}.json`,
      });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });
  return (
    <>
      <section class="panel" aria-labelledby="backup-heading">
        <h2 id="backup-heading">{strings.backupHeading}</h2>
        <p>{strings.backupHelp}</p>
        {changed && <p class="notice-line">{strings.oldBackupsStillOpen}</p>}
        <button type="button" class="secondary" disabled={saving.busy} onClick={download}>
          {strings.exportBackup}
        </button>
        {saving.error !== '' && (
          <p class="error" role="alert">
            {saving.error}
          </p>
        )}
      </section>
      <ChangePassphrase onChanged={() => setChanged(true)} />
      <NewRecoveryKey />
    </>
  );
}

function ChangePassphrase({ onChanged }: { onChanged(): void }) {
  const session = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState<string | null>(null);
  // Each change gets new, empty fields: no passphrase stays typed on screen once it is set.
  const [changes, setChanges] = useState(0);
  const [done, setDone] = useState(false);
  // The emptied form disables its button: the form's heading keeps the person's place.
  const heading = useFocusRequest<HTMLHeadingElement>();
  const { busy, error, run } = useAction();
  const change = (event: Event) => {
    event.preventDefault();
    if (next === null) return;
    setDone(false);
    run(async () => {
      await session.changePassphrase(current, next);
      setDone(true);
      setCurrent('');
      setNext(null);
      setChanges((n) => n + 1);
      onChanged();
      heading.request();
    });
  };
  return (
    <form class="panel" aria-labelledby="change-passphrase-heading" onSubmit={change}>
      <h2 id="change-passphrase-heading" tabIndex={-1} ref={heading.ref}>
        {strings.changePassphraseHeading}
      </h2>
      <label for="current-passphrase">{strings.currentPassphrase}</label>
      <input
        id="current-passphrase"
        type="password"
        autocomplete="current-password"
        value={current}
        onInput={(e) => setCurrent(e.currentTarget.value)}
      />
      <PassphraseFields key={changes} label={strings.newPassphrase} onChange={setNext} />
      <button type="submit" class="secondary" disabled={busy || current === '' || next === null}>
        {strings.changePassphrase}
      </button>
      <p role="status">{done ? `${strings.passphraseChanged} ${strings.oldBackupsStillOpen}` : ''}</p>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
