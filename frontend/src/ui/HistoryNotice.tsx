import { useState } from 'preact/hooks';
import { Limits } from './Limits';
import { strings } from './strings';

/** Only "it was read" is kept: never anything the person wrote. */
const DISMISSED_KEY = 'historyNoticeDismissed';

function wasDismissed(): boolean {
  try {
    return localStorage.getItem(DISMISSED_KEY) === 'yes';
  } catch {
    return false;
  }
}

function rememberDismissed(): void {
  try {
    localStorage.setItem(DISMISSED_KEY, 'yes');
  } catch {
    // Storage can be blocked; the notice then shows again next time, which is harmless.
  }
}

interface HistoryNoticeProps {
  /** Where focus goes when the notice closes, so a keyboard user is not left nowhere. */
  onDismissed(): void;
}

/**
 * Told once, plainly, before the passphrase is chosen (the first-run screen shows it first): what
 * leaving quickly does, that it does not erase the browser's history, and what no app can protect
 * against. Until it is read it stays at the foot of every screen.
 */
export function HistoryNotice({ onDismissed }: HistoryNoticeProps) {
  const [shown, setShown] = useState(() => !wasDismissed());
  if (!shown) {
    return null;
  }
  return (
    <section class="notice" aria-labelledby="history-notice-heading" data-testid="history-notice">
      <h2 id="history-notice-heading">{strings.historyNoticeHeading}</h2>
      <p>{strings.historyNoticeLeave}</p>
      <p>{strings.historyNoticeTrace}</p>
      <p>{strings.historyNoticeHowTo}</p>
      <p>{strings.historyNoticeKeepData}</p>
      <Limits headingLevel={3} />
      <button
        type="button"
        onClick={() => {
          rememberDismissed();
          setShown(false);
          onDismissed();
        }}
      >
        {strings.historyNoticeDismiss}
      </button>
    </section>
  );
}
