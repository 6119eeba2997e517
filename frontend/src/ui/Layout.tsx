import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { useDisguise } from './disguise';
import { focusScreenHeading } from './focus';
import { HistoryNotice } from './HistoryNotice';
import { QuickExit, SkipToLeave } from './QuickExit';
import { strings } from './strings';
import type { SafetyShell } from './useSafetyShell';

interface LayoutProps {
  safety: SafetyShell;
  /** Whether there is anything to lock (an open vault). */
  canLock: boolean;
  /** Which screen shows ('loading' before the first): when it changes, focus goes to the new one. */
  screen: string;
  /** The organisation's line for someone in danger now, shown on the first and lock screens. */
  dangerLine: string;
  children: ComponentChildren;
}

/**
 * The frame of every screen: the skip link that leaves, a header with the app's name and
 * "Lock now", the screen itself, and the quick exit button.
 *
 * Contract: the page title is always the name of the face the person chose (ui/disguise.ts),
 * whatever the screen shows, because the tab, the history and the phone's app switcher all show it.
 * While the vault is open and the page is out of sight, the screen is replaced by that name alone.
 */
export function Layout({ safety, canLock, screen, dangerLine, children }: LayoutProps) {
  const main = useRef<HTMLElement>(null);
  // Out of sight, an open vault shows nothing of itself: the screens unmount (a form keeps its
  // words as a sealed draft) and come back as they were. Before unlock there is nothing to hide,
  // and a passphrase half typed must survive a trip to a password manager.
  const veiled = safety.veiled && canLock;
  const focusMain = () => main.current?.focus();
  const disguise = useDisguise();
  const disguised = disguise.id !== 'plain';

  useEffect(() => {
    document.title = disguise.name;
  });

  // Locking removes the button that had focus; put focus on the locked screen instead.
  const wasLocked = useRef(safety.locked);
  useLayoutEffect(() => {
    if (safety.locked !== wasLocked.current) {
      wasLocked.current = safety.locked;
      if (safety.locked) focusMain();
    }
  }, [safety.locked]);

  // Any other change of screen (unlocked, set up, restored, wiped) removes the control that had
  // focus too: the new screen's heading takes it. On arrival the skip link comes first.
  const shown = useRef(screen);
  useLayoutEffect(() => {
    const before = shown.current;
    shown.current = screen;
    if (before === screen || before === 'loading' || screen === 'locked' || main.current === null) return;
    return focusScreenHeading(main.current);
  }, [screen]);

  return (
    <>
      <header class="app-header">
        <SkipToLeave href={safety.exitHref} onLeave={safety.leave} />
        <span class="app-name">{disguise.name}</span>
        {canLock && (
          <button type="button" class="secondary lock-now" data-testid="lock-now" onClick={safety.lock}>
            {strings.lockNow}
          </button>
        )}
      </header>
      <main class={canLock ? 'page vault-open' : 'page'} id="main" tabIndex={-1} ref={main}>
        {veiled ? (
          <p class="veiled" data-testid="veiled">
            {disguise.name}
          </p>
        ) : (
          <>
            {screen === 'first-run' || (screen === 'locked' && !disguised) ? (
              <p class="danger-line" data-testid="danger-line">
                {dangerLine}
              </p>
            ) : (
              screen === 'locked' && (
                // A line about danger on an everyday app's lock screen would give the face away.
                <details class="danger-line">
                  <summary>{strings.dangerLineDisguised}</summary>
                  <p data-testid="danger-line">{dangerLine}</p>
                </details>
              )
            )}
            {children}
            {screen !== 'first-run' && !(screen === 'locked' && disguised) && (
              // Its words say what the app is for: an everyday app's lock screen keeps them for after unlock.
              <HistoryNotice onDismissed={focusMain} />
            )}
          </>
        )}
      </main>
      <QuickExit onLeave={safety.leave} shiftPressed={safety.shiftPressed} />
    </>
  );
}
