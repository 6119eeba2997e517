import { useEffect, useRef, useState } from 'preact/hooks';
import type { CircleSummary } from '../../sync/engine';
import { ActionError } from '../ActionError';
import { useRunningEngine } from '../appContext';
import { refusalText } from '../failures';
import { useFocusOnMount } from '../focus';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { CheckIns } from './CheckIns';
import { CircleInvites } from './CircleInvites';
import { CirclePeople } from './CirclePeople';
import { CircleShared } from './CircleShared';
import { CircleSharing } from './CircleSharing';
import { circleName, nameIn } from './circleParts';
import { Notes } from './Notes';

/** Drawn only while sync runs (Circles checks): its parts use useRunningEngine(). */
export interface CircleProps {
  summary: CircleSummary;
  onBack(): void;
  /** Membership or standing changed here: the list should be read again. */
  onChanged(): void;
}

/** One circle: its people, what was shared with it, its notes and check-ins, what the person shares; for its admin, invites. */
export function Circle({ summary, onBack, onChanged }: CircleProps) {
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const member = summary.standing === 'member';
  // Focus goes to what happened only when it happens here (leaving), not when a past one is opened.
  const wasMember = useRef(member);
  const justLeft = wasMember.current && !member;
  useEffect(() => {
    wasMember.current = member;
  }, [member]);
  const parts = { summary, onChanged };
  return (
    <>
      <button type="button" class="secondary" onClick={onBack}>
        {strings.backToCircles}
      </button>
      <h1 ref={heading} tabIndex={-1}>
        {circleName(summary)}
      </h1>
      <p class="hint">{strings.purposes[summary.purpose]}</p>
      {summary.problem !== undefined && (
        <div class="panel error" role="alert" data-testid="circle-problem">
          <p>{strings.circleProblem}</p>
          <p>{strings.circleProblemHelp}</p>
          <p class="hint">{refusalText(summary.problem)}</p>
        </div>
      )}
      {summary.unreadable.length + summary.placedLate.length + summary.clockAhead.length > 0 && (
        <Unreadable summary={summary} onChanged={onChanged} />
      )}
      {summary.withheld.length > 0 && <Withheld summary={summary} onChanged={onChanged} />}
      {!member && <Standing summary={summary} focus={justLeft} />}
      <CirclePeople {...parts} />
      {member && summary.admin && <CircleInvites {...parts} />}
      {member && <CircleSharing {...parts} />}
      <CircleShared {...parts} />
      <Notes {...parts} />
      <CheckIns {...parts} />
      {member && <Leave summary={summary} onLeft={onChanged} />}
    </>
  );
}

/**
 * Leaving, confirmed first. The only admin is not let go: the log would refuse it (PROTOCOL §8), so
 * nothing is sent, and the app says why and offers to make one of the others an admin there.
 */
function Leave({ summary, onLeft }: { summary: CircleSummary; onLeft(): void }) {
  const engine = useRunningEngine();
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const admins = summary.members.filter((m) => m.role === 'admin');
  const lastAdmin = admins.length === 1 && admins[0]!.you;
  const others = summary.members.filter((m) => !m.you);
  const leave = () =>
    action.run(async () => {
      await engine.circles.leave(summary.id);
      onLeft();
    });
  const makeAdmin = (deviceId: string) =>
    action.run(async () => {
      await engine.circles.setRole(summary.id, deviceId, 'admin');
      onLeft();
    });
  return (
    <section class="panel" aria-label={strings.leaveCircle}>
      {confirming && lastAdmin && (
        <div role="group" aria-label={strings.leaveCircle} data-testid="last-admin">
          <p>{others.length === 0 ? strings.onlyAdminAlone : strings.onlyAdminLeave}</p>
          {others.length > 0 && (
            <>
              <p>{strings.chooseAdmin}</p>
              <ul class="plain">
                {others.map((m) => (
                  <li key={m.deviceId}>
                    <button
                      type="button"
                      class="secondary"
                      disabled={action.busy}
                      onClick={() => makeAdmin(m.deviceId)}
                    >
                      {strings.makeAdminOf(nameIn(summary, m.deviceId))}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            {strings.cancel}
          </button>
        </div>
      )}
      {confirming && !lastAdmin && (
        <div role="group" aria-label={strings.leaveCircle}>
          <p>{strings.leaveCircleConfirm}</p>
          <button type="button" disabled={action.busy} onClick={leave}>
            {strings.leaveCircleYes}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            {strings.cancel}
          </button>
        </div>
      )}
      {!confirming && (
        <button type="button" class="secondary" onClick={() => setConfirming(true)}>
          {strings.leaveCircle}
        </button>
      )}
      <ActionError action={action} />
    </section>
  );
}

/** A circle this device is no longer in: what that means, focused as it appears (after leaving, the button that had focus is gone). */
function Standing({ summary, focus }: { summary: CircleSummary; focus: boolean }) {
  const engine = useRunningEngine();
  const said = useFocusOnMount<HTMLDivElement>(focus);
  const action = useAction();
  return (
    <div class="panel notice" ref={said} tabIndex={-1}>
      <p role="status" data-testid="circle-standing">
        {summary.standing === 'left' ? strings.leftHere : strings.removedHere}
      </p>
      {summary.standing === 'removed' && (
        <button
          type="button"
          class="secondary"
          disabled={action.busy}
          onClick={() => action.run(() => engine.circles.checkAgain(summary.id))}
        >
          {strings.checkAgain}
        </button>
      )}
      <ActionError action={action} />
    </div>
  );
}

/** Whose words the server may have held back or rolled back (PROTOCOL §7, §16), until the person says they saw it. */
function Withheld({ summary, onChanged }: Pick<CircleProps, 'summary' | 'onChanged'>) {
  const engine = useRunningEngine();
  const action = useAction();
  return (
    <div class="panel error" role="alert" data-testid="circle-withheld">
      <p>{strings.withheldFrom(summary.withheld)}</p>
      <p>{strings.withheldHelp}</p>
      <button
        type="button"
        class="secondary"
        disabled={action.busy}
        onClick={() => action.run(() => engine.circles.dismissWithheld(summary.id).then(onChanged))}
      >
        {strings.unreadableSeen}
      </button>
      <ActionError action={action} />
    </div>
  );
}

/** Whose data here did not read (PROTOCOL §16), once for the circle, until the person says they saw it. */
function Unreadable({ summary, onChanged }: Pick<CircleProps, 'summary' | 'onChanged'>) {
  const engine = useRunningEngine();
  const action = useAction();
  return (
    <div class="panel" role="status" data-testid="circle-unreadable">
      {summary.placedLate.length > 0 && (
        <div data-testid="circle-placed-late">
          <p>{strings.placedLateFrom(summary.placedLate)}</p>
          <p>{strings.placedLateHelp}</p>
        </div>
      )}
      {summary.clockAhead.length > 0 && (
        <div data-testid="circle-clock-ahead">
          <p>{strings.clockAheadFrom(summary.clockAhead)}</p>
          <p>{strings.clockAheadHelp}</p>
        </div>
      )}
      {summary.unreadable.length > 0 && (
        <>
          <p>{strings.unreadableFrom(summary.unreadable)}</p>
          <p>{strings.unreadableHelp}</p>
        </>
      )}
      <button
        type="button"
        class="secondary"
        disabled={action.busy}
        onClick={() => action.run(() => engine.circles.dismissUnreadable(summary.id).then(onChanged))}
      >
        {strings.unreadableSeen}
      </button>
      <ActionError action={action} />
    </div>
  );
}
