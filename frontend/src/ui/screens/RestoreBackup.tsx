import { useState } from 'preact/hooks';
import { failureText } from '../failures';
import { strings } from '../strings';
import { store } from '../vault';

/** Bring back an encrypted backup file on a device with no vault. */
export function RestoreBackup({ onRestored }: { onRestored(): void }) {
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState('');
  const restore = async (event: Event) => {
    event.preventDefault();
    if (file === null) return;
    try {
      await store.importBackup(file);
      onRestored();
    } catch (failure) {
      setError(failureText(failure));
    }
  };
  return (
    <form class="panel" aria-labelledby="restore-heading" onSubmit={(event) => void restore(event)}>
      <h2 id="restore-heading">{strings.restoreHeading}</h2>
      <p>{strings.restoreHelp}</p>
      <label for="backup-file">{strings.restoreFile}</label>
      <input
        id="backup-file"
        type="file"
        accept=".json,application/json"
        onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
      />
      <button type="submit" class="secondary" disabled={file === null}>
        {strings.restore}
      </button>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
