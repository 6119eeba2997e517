import { useRef, useState } from 'preact/hooks';
import type { CircleMember } from '../../sync/engine';
import { ActionError } from '../ActionError';
import { useRunningEngine } from '../appContext';
import { strings } from '../strings';
import { useAction } from '../useAction';
import type { CirclePartProps } from './circleParts';

/** Who is in the circle, as its signed log says; an admin can name facilitators and remove people. */
export function CirclePeople({ summary, onChanged }: CirclePartProps) {
  const engine = useRunningEngine();
  const action = useAction();
  const [message, setMessage] = useState('');
  const canManage = summary.admin && summary.standing === 'member';
  const status = useRef<HTMLParagraphElement>(null);
  const run = (work: () => Promise<void>, done = '') =>
    action.run(async () => {
      await work();
      setMessage(done);
      onChanged();
      // The person's row, and the button that had focus, may be gone: say what happened there.
      if (done !== '') status.current?.focus();
    });
  return (
    <section class="panel" aria-labelledby="people-heading">
      <h2 id="people-heading">{strings.peopleHeading}</h2>
      <ul class="plain" aria-labelledby="people-heading">
        {summary.members.map((m) => (
          <Person
            key={m.deviceId}
            member={m}
            canManage={canManage && !m.you}
            onFacilitator={(on) => run(() => engine.circles.setFacilitator(summary.id, m.deviceId, on))}
            busy={action.busy}
            onRemove={() => run(() => engine.circles.removeMember(summary.id, m.deviceId), strings.memberRemoved)}
          />
        ))}
      </ul>
      <p role="status" tabIndex={-1} ref={status}>
        {message}
      </p>
      <ActionError action={action} />
    </section>
  );
}

interface PersonProps {
  member: CircleMember;
  canManage: boolean;
  busy: boolean;
  onFacilitator(on: boolean): void;
  onRemove(): void;
}

function Person({ member, canManage, busy, onFacilitator, onRemove }: PersonProps) {
  const [confirming, setConfirming] = useState(false);
  const name = member.name === '' ? strings.unnamedMember : member.name;
  const roles = [
    member.role === 'admin' ? strings.standingAdmin : '',
    member.facilitator ? strings.facilitator : '',
  ].filter((r) => r !== '');
  return (
    <li class="person" data-testid="member">
      <p>
        <strong>{name}</strong> {member.you && strings.you}
        {roles.length > 0 && <span class="hint"> · {roles.join(', ')}</span>}
      </p>
      {!member.you && member.safetyNumber !== '' && (
        <details>
          <summary>{strings.safetyNumberWith}</summary>
          <p>
            <strong class="safety-number">{member.safetyNumber}</strong>
          </p>
          <p class="hint">{strings.safetyNumberHelp}</p>
        </details>
      )}
      {canManage && !confirming && (
        <>
          <button
            type="button"
            class="secondary"
            aria-label={`${member.facilitator ? strings.unmakeFacilitator : strings.makeFacilitator}: ${name}`}
            onClick={() => onFacilitator(!member.facilitator)}
          >
            {member.facilitator ? strings.unmakeFacilitator : strings.makeFacilitator}
          </button>
          <button
            type="button"
            class="secondary"
            aria-label={`${strings.removeMember}: ${name}`}
            onClick={() => setConfirming(true)}
          >
            {strings.removeMember}
          </button>
        </>
      )}
      {confirming && (
        <div role="group" aria-label={`${strings.removeMember}: ${name}`}>
          <p>{strings.removeMemberConfirm}</p>
          <button type="button" disabled={busy} onClick={onRemove}>
            {strings.removeMemberYes}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            {strings.cancel}
          </button>
        </div>
      )}
    </li>
  );
}
