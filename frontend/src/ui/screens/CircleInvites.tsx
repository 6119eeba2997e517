import { useState } from 'preact/hooks';
import type { CircleInvite } from '../../sync/engine';
import { ActionError } from '../ActionError';
import { useRunningEngine, useSyncVersion } from '../appContext';
import { QrCode } from '../QrCode';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { useLoaded } from '../useLoaded';
import type { CirclePartProps } from './circleParts';
import { readableTime } from './circleParts';

/** For the admin: make an invite link for someone, and approve or turn down who asks, after comparing safety numbers. */
export function CircleInvites({ summary, onChanged }: CirclePartProps) {
  const engine = useRunningEngine();
  const version = useSyncVersion();
  const [label, setLabel] = useState('');
  const [invite, setInvite] = useState<CircleInvite | null>(null);
  const open = useLoaded(() => engine.invites.open(summary.id), [engine, summary.id, version, invite]);
  const [message, setMessage] = useState('');
  const action = useAction();
  const make = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      setInvite(null);
      setInvite(await engine.invites.create(summary.id, label.trim()));
      setLabel('');
    });
  };
  const withdraw = (inviteId: string) =>
    action.run(async () => {
      setMessage('');
      await engine.invites.withdraw(summary.id, inviteId);
      setInvite(null);
      open.reload();
      setMessage(strings.inviteWithdrawn);
    });
  // Who is asking shows as the page opens and after each sync.
  const asks = useLoaded(() => engine.invites.asks(summary.id), [engine, summary.id, version]);
  // Asked for by hand: a failure (offline, say) is said here, then the list is read again.
  const check = () =>
    action.run(async () => {
      await engine.invites.asks(summary.id);
      asks.reload();
    });
  const answer = (requestId: string, approve: boolean) =>
    action.run(async () => {
      setMessage('');
      await engine.invites.answer(summary.id, requestId, approve);
      asks.reload();
      setMessage(approve ? strings.joinApproved : strings.joinDeclined);
      onChanged();
    });
  return (
    <section class="panel" aria-labelledby="invite-heading">
      <h2 id="invite-heading">{strings.inviteHeading}</h2>
      <p class="hint">{strings.inviteHelp}</p>
      <form onSubmit={make}>
        <label for="invite-for">{strings.inviteFor}</label>
        <input
          id="invite-for"
          type="text"
          maxLength={60}
          value={label}
          aria-describedby="invite-for-hint"
          onInput={(e) => setLabel(e.currentTarget.value)}
        />
        <p class="hint" id="invite-for-hint">
          {strings.inviteForHint}
        </p>
        <button type="submit" class="secondary" disabled={action.busy || label.trim() === ''}>
          {strings.makeInvite}
        </button>
      </form>
      {invite !== null && (
        <div class="device-link">
          <p>{strings.inviteMade(readableTime(invite.expiresAt.getTime()))}</p>
          <p class="link-text" data-testid="invite-link">
            {invite.link}
          </p>
          <QrCode text={invite.link} label={strings.inviteQr} />
        </div>
      )}
      {(open.value ?? []).length > 0 && (
        <ul class="plain" aria-label={strings.openInvitesLabel}>
          {(open.value ?? []).map((o) => (
            <li key={o.inviteId} data-testid="open-invite">
              {strings.openInvite(o.label, readableTime(o.expiresAt.getTime()))}{' '}
              <button
                type="button"
                class="secondary"
                aria-label={strings.withdrawInviteFor(o.label)}
                disabled={action.busy}
                onClick={() => withdraw(o.inviteId)}
              >
                {strings.withdrawInvite}
              </button>
            </li>
          ))}
        </ul>
      )}
      <h3>{strings.requestsHeading}</h3>
      <button type="button" class="secondary" disabled={action.busy} onClick={check}>
        {strings.checkJoinRequests}
      </button>
      {asks.value !== null && asks.value.length === 0 && <p>{strings.noJoinRequests}</p>}
      <ul class="plain">
        {(asks.value ?? []).map((ask) => (
          <li key={ask.requestId} data-testid="join-request">
            <p>
              {ask.label === null
                ? strings.requestOnOthersInvite(ask.inviterName ?? '')
                : strings.requestFrom(ask.label)}
            </p>
            <p>
              {strings.safetyNumberWith} <strong class="safety-number">{ask.safetyNumber}</strong>
            </p>
            <p class="hint">{strings.requestCompareCircle}</p>
            <button type="button" disabled={action.busy} onClick={() => answer(ask.requestId, true)}>
              {strings.approveJoin}
            </button>
            <button type="button" class="secondary" disabled={action.busy} onClick={() => answer(ask.requestId, false)}>
              {strings.declineJoin}
            </button>
          </li>
        ))}
      </ul>
      <p role="status">{message}</p>
      <ActionError action={action} />
    </section>
  );
}
