import { useEffect, useState } from 'preact/hooks';
import { type Session, StorageError } from '../../storage';
import { failureText } from '../failures';
import { focusAndSelect, useFocusRequest } from '../focus';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { store } from '../vault';
import { PassphraseFields } from './PassphraseFields';
import { RecoveryKeyInput } from './RecoveryKeyInput';

interface UnlockProps {
  onUnlocked(session: Session): void;
  /** Too many wrong passphrases wiped the device (the person chose that in settings). */
  onWiped(): void;
  /** The duress passphrase erased the device, as the person chose: nothing may say so. */
  onErased(): void;
}

/** Unlock with the passphrase, calmly, with a growing wait after wrong ones; or recover. */
export function Unlock({ onUnlocked, onWiped, onErased }: UnlockProps) {
  const [recovering, setRecovering] = useState(false);
  return recovering ? (
    <Recover onUnlocked={onUnlocked} onBack={() => setRecovering(false)} />
  ) : (
    <PassphraseUnlock
      onUnlocked={onUnlocked}
      onWiped={onWiped}
      onErased={onErased}
      onForgot={() => setRecovering(true)}
    />
  );
}

function PassphraseUnlock({ onUnlocked, onWiped, onErased, onForgot }: UnlockProps & { onForgot(): void }) {
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const waitLeft = useWait();
  // Tapping Open took the focus from the field and closed a phone's keyboard: a wrong try gives it
  // back, the text selected, so the person types it again or mends a slip.
  const field = useFocusRequest<HTMLInputElement>(focusAndSelect);

  const waiting = waitLeft.seconds > 0;

  const unlock = async (event: Event) => {
    event.preventDefault();
    if (busy || waiting) return;
    setBusy(true);
    setError('');
    try {
      onUnlocked(await store.unlock(passphrase));
    } catch (failure) {
      if (failure instanceof StorageError && failure.code === 'wiped') return onWiped();
      if (failure instanceof StorageError && failure.code === 'erased') return onErased();
      const wait = failure instanceof StorageError ? failure.retryAfterMs : 0;
      waitLeft.start(wait);
      // Said once, with the refusal; the countdown itself is shown below, not read out.
      setError(failureText(failure, 'unlockFailed') + (wait > 0 ? ` ${strings.unlockWaitReason}` : ''));
      setBusy(false);
      field.request();
    }
  };

  return (
    <form onSubmit={(event) => void unlock(event)} aria-labelledby="unlock-heading">
      <h1 id="unlock-heading">{strings.unlockHeading}</h1>
      <p>{strings.unlockHelp}</p>
      <label for="passphrase">{strings.passphrase}</label>
      <input
        id="passphrase"
        ref={field.ref}
        type="password"
        autocomplete="current-password"
        aria-describedby={waiting ? 'unlock-wait' : undefined}
        value={passphrase}
        onInput={(e) => setPassphrase(e.currentTarget.value)}
      />
      <button
        type="submit"
        disabled={busy || passphrase === '' || waiting}
        aria-describedby={waiting ? 'unlock-wait' : undefined}
      >
        {strings.unlockButton}
      </button>
      <p role="status">{busy ? strings.unlocking : waitLeft.over ? strings.waitOver : ''}</p>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {/* No live region: one would read the countdown out every second. The field is described by it.
          Without the alert (the page was reloaded during the wait), it says why Open waits. */}
      {waiting && (
        <p id="unlock-wait" class="hint">
          {error === '' && `${strings.unlockWaitReason} `}
          {strings.waitSeconds(waitLeft.seconds)}
        </p>
      )}
      <button type="button" class="link" onClick={onForgot}>
        {strings.forgotPassphrase}
      </button>
    </form>
  );
}

function Recover({ onUnlocked, onBack }: { onUnlocked(session: Session): void; onBack(): void }) {
  const [key, setKey] = useState('');
  const [passphrase, setPassphrase] = useState<string | null>(null);
  const { busy, error, run } = useAction((failure) => failureText(failure, 'unlockFailed'));
  const recover = (event: Event) => {
    event.preventDefault();
    if (passphrase !== null) run(async () => onUnlocked(await store.unlockWithRecovery(key, passphrase)));
  };
  return (
    <form onSubmit={recover} aria-labelledby="recover-heading">
      <h1 id="recover-heading">{strings.recoverHeading}</h1>
      <p>{strings.recoverHelp}</p>
      <RecoveryKeyInput value={key} onInput={setKey} />
      <PassphraseFields label={strings.newPassphrase} onChange={setPassphrase} />
      <button type="submit" disabled={busy || key === '' || passphrase === null}>
        {strings.recoverButton}
      </button>
      <p role="status">{busy ? strings.unlocking : ''}</p>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" class="link" onClick={onBack}>
        {strings.backToUnlock}
      </button>
    </form>
  );
}

/** Seconds left before the next attempt, counting down (also after a reload); `over` once a wait has run out. */
function useWait(): { seconds: number; over: boolean; start(ms: number): void } {
  const [until, setUntil] = useState(0);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (until <= now) return;
    const timer = setTimeout(() => setNow(Date.now()), 1000);
    return () => clearTimeout(timer);
  }, [until, now]);
  useEffect(() => {
    void store.attempts().then((a) => a.retryAfterMs > 0 && setUntil(Date.now() + a.retryAfterMs));
  }, []);
  return {
    seconds: Math.max(0, Math.ceil((until - now) / 1000)),
    over: until > 0 && now >= until,
    start: (ms) => {
      if (ms <= 0) return;
      setNow(Date.now());
      setUntil(Date.now() + ms);
    },
  };
}
