import { strings } from './strings';

interface LockedScreenProps {
  onUnlock(): void;
}

/**
 * What a locked app shows: nothing of what the person wrote.
 *
 * There are no keys to unlock yet, so "Open" simply opens; the storage layer replaces it with
 * the passphrase form and calls `onUnlock` only when the passphrase is right.
 */
export function LockedScreen({ onUnlock }: LockedScreenProps) {
  return (
    <>
      <h1>{strings.lockedHeading}</h1>
      <p>{strings.lockedText}</p>
      <button type="button" onClick={onUnlock}>
        {strings.unlock}
      </button>
    </>
  );
}
