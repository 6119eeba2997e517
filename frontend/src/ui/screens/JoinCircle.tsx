import { useEffect, useState } from 'preact/hooks';
import { ActionError } from '../ActionError';
import { useRunningEngine, useSyncVersion } from '../appContext';
import { refusalText } from '../failures';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { useLoaded } from '../useLoaded';

const INVITE = '#join=';
const WAIT_POLL_MS = 5_000;

/**
 * Joining a circle by an invite link (prefilled when the app was opened from one), and this
 * device's requests to join: waiting, with the safety number to compare, or turned down.
 */
export function JoinCircle({ onJoined }: { onJoined(): void }) {
  const engine = useRunningEngine();
  const version = useSyncVersion();
  const [link, setLink] = useState(() => (location.hash.startsWith(INVITE) ? location.href : ''));
  const [name, setName] = useState('');
  const joins = useLoaded(() => engine.joins.mine(), [engine, version]);
  const action = useAction();
  // No live event reaches a device that is not a member yet: while it waits, it asks more often.
  const waiting = (joins.value ?? []).some((j) => j.status === 'waiting');
  useEffect(() => {
    if (!waiting) return undefined;
    const timer = setInterval(() => void engine.syncNow(), WAIT_POLL_MS);
    return () => clearInterval(timer);
  }, [engine, waiting]);
  const join = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      await engine.joins.ask(link.trim(), name.trim());
      // The link is spent: it should not stay in the address bar or the history.
      if (location.hash !== '') history.replaceState(null, '', location.pathname);
      setLink('');
      joins.reload();
      onJoined();
    });
  };
  const dismiss = (requestId: string) =>
    action.run(async () => {
      await engine.joins.dismiss(requestId);
      joins.reload();
    });
  return (
    <section class="panel" aria-labelledby="join-circle-heading">
      <h2 id="join-circle-heading">{strings.joinCircleHeading}</h2>
      {(joins.value ?? []).length > 0 && (
        <ul class="plain" aria-label={strings.myJoinsLabel}>
          {(joins.value ?? []).map((j) => (
            <li key={j.requestId} data-testid="my-join">
              {j.status === 'waiting' ? (
                <p role="status">
                  {strings.joinWaitingCircle}
                  <strong class="safety-number" data-testid="join-safety-number">
                    {j.safetyNumber}
                  </strong>
                </p>
              ) : (
                <>
                  <p>{j.status === 'failed' ? strings.joinFailedCircle : strings.joinDeclinedCircle}</p>
                  {j.problem !== undefined && <p class="hint">{refusalText(j.problem)}</p>}
                  <button type="button" class="secondary" onClick={() => dismiss(j.requestId)}>
                    {strings.dismiss}
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={join}>
        <p class="hint">{strings.joinCircleHelp}</p>
        <label for="invite-link">{strings.inviteLinkLabel}</label>
        <input
          id="invite-link"
          type="text"
          autocomplete="off"
          spellcheck={false}
          value={link}
          onInput={(e) => setLink(e.currentTarget.value)}
        />
        <label for="join-name">{strings.myNameInCircle}</label>
        <input
          id="join-name"
          type="text"
          maxLength={60}
          value={name}
          aria-describedby="join-name-hint"
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <p class="hint" id="join-name-hint">
          {strings.myNameHint}
        </p>
        <button type="submit" disabled={action.busy || link.trim() === '' || name.trim() === ''}>
          {strings.joinCircle}
        </button>
      </form>
      <ActionError action={action} />
    </section>
  );
}
