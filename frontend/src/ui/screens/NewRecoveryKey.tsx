import { useState } from 'preact/hooks';
import { useSession } from '../appContext';
import { useFocusOnMount } from '../focus';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { KeptKey } from './RecoveryKey';

/** Replace the recovery key, when the old one may have been seen or is lost; the new one is shown once. */
export function NewRecoveryKey() {
  const session = useSession();
  const [current, setCurrent] = useState('');
  const [made, setMade] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const make = (event: Event) => {
    event.preventDefault();
    run(async () => {
      setMade(await session.newRecoveryKey(current));
      setCurrent('');
    });
  };
  if (made !== null) return <ShownKey text={made} onDone={() => setMade(null)} />;
  return (
    <form class="panel" aria-labelledby="new-recovery-heading" onSubmit={make}>
      <h2 id="new-recovery-heading">{strings.newRecoveryHeading}</h2>
      <p>{strings.newRecoveryHelp}</p>
      <label for="new-recovery-passphrase">{strings.currentPassphrase}</label>
      <input
        id="new-recovery-passphrase"
        type="password"
        autocomplete="current-password"
        value={current}
        onInput={(e) => setCurrent(e.currentTarget.value)}
      />
      <button type="submit" class="secondary" disabled={busy || current === ''}>
        {strings.newRecoveryButton}
      </button>
      <p role="status">{busy ? strings.newRecoveryBusy : ''}</p>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** The new key, shown once; the words above it take the focus, so a screen reader reads them first. */
function ShownKey({ text, onDone }: { text: string; onDone(): void }) {
  const shown = useFocusOnMount<HTMLParagraphElement>();
  return (
    <section class="panel" aria-labelledby="new-recovery-heading">
      <h2 id="new-recovery-heading">{strings.newRecoveryHeading}</h2>
      <p tabIndex={-1} ref={shown}>
        {strings.newRecoveryShown}
      </p>
      <KeptKey text={text} name="new-recovery-key" onDone={onDone} />
    </section>
  );
}
