import { useRef, useState } from 'preact/hooks';
import type { Role } from '../../crypto/membership';
import type { Feeling } from '../../records';
import type { CircleMember } from '../../sync/engine';
import { ActionError } from '../ActionError';
import { useRunningEngine, useSession } from '../appContext';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { useRecords } from '../useRecords';
import { strugglingMembers } from '../wellbeing';
import type { CirclePartProps } from './circleParts';

/**
 * Who is in the circle, as its signed log says, with a gentle flag by anyone whose newest check-in
 * says they are struggling or need a break; an admin can name facilitators and who looks after
 * well-being, make another member an admin or an admin a member again, and remove people.
 */
export function CirclePeople({ summary, onChanged }: CirclePartProps) {
  const engine = useRunningEngine();
  const me = useSession().deviceId;
  const checkIns = useRecords('checkin', summary.id);
  const struggling = strugglingMembers(checkIns.items ?? [], me);
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
      <p class="hint">{strings.wellbeingHelp}</p>
      <ul class="plain" aria-labelledby="people-heading">
        {summary.members.map((m) => (
          <Person
            key={m.deviceId}
            member={m}
            canManage={canManage && !m.you}
            struggling={struggling.get(m.deviceId)}
            onFacilitator={(on) => run(() => engine.circles.setFacilitator(summary.id, m.deviceId, on))}
            onWellbeing={(on) => run(() => engine.circles.setWellbeing(summary.id, m.deviceId, on))}
            onRole={(role) =>
              run(
                () => engine.circles.setRole(summary.id, m.deviceId, role),
                role === 'admin' ? strings.madeAdmin : strings.madeMember,
              )
            }
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
  /** Their newest check-in, when it says they are struggling or need a break. */
  struggling: Feeling | undefined;
  onFacilitator(on: boolean): void;
  onWellbeing(on: boolean): void;
  onRole(role: Role): void;
  onRemove(): void;
}

/** What a person's row asks to be confirmed: a removal, or a change of role. */
type Confirming = 'remove' | 'role' | null;

function Person({ member, canManage, busy, struggling, onFacilitator, onWellbeing, onRole, onRemove }: PersonProps) {
  const [confirming, setConfirming] = useState<Confirming>(null);
  const admin = member.role === 'admin';
  const roleAction = admin ? strings.makeMember : strings.makeAdmin;
  const name = member.name === '' ? strings.unnamedMember : member.name;
  const roles = [
    member.role === 'admin' ? strings.standingAdmin : '',
    member.facilitator ? strings.facilitator : '',
    member.wellbeing ? strings.wellbeing : '',
  ].filter((r) => r !== '');
  return (
    <li class="person" data-testid="member">
      <p>
        <strong>{name}</strong> {member.you && strings.you}
        {roles.length > 0 && <span class="hint"> · {roles.join(', ')}</span>}
      </p>
      {struggling !== undefined && struggling !== 'okay' && (
        <p class="gentle" data-testid="struggle-flag">
          {strings.struggleFlags[struggling]}
        </p>
      )}
      {!member.you && member.safetyNumber !== '' && (
        <details>
          <summary>{strings.safetyNumberWith}</summary>
          <p>
            <strong class="safety-number">{member.safetyNumber}</strong>
          </p>
          <p class="hint">{strings.safetyNumberHelp}</p>
        </details>
      )}
      {canManage && confirming === null && (
        <>
          <button
            type="button"
            class="secondary"
            aria-label={`${roleAction}: ${name}`}
            onClick={() => setConfirming('role')}
          >
            {roleAction}
          </button>
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
            aria-label={`${member.wellbeing ? strings.unmakeWellbeing : strings.makeWellbeing}: ${name}`}
            onClick={() => onWellbeing(!member.wellbeing)}
          >
            {member.wellbeing ? strings.unmakeWellbeing : strings.makeWellbeing}
          </button>
          <button
            type="button"
            class="secondary"
            aria-label={`${strings.removeMember}: ${name}`}
            onClick={() => setConfirming('remove')}
          >
            {strings.removeMember}
          </button>
        </>
      )}
      {confirming === 'remove' && (
        <div role="group" aria-label={`${strings.removeMember}: ${name}`}>
          <p>{strings.removeMemberConfirm}</p>
          <button type="button" disabled={busy} onClick={onRemove}>
            {strings.removeMemberYes}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(null)}>
            {strings.cancel}
          </button>
        </div>
      )}
      {confirming === 'role' && (
        <div role="group" aria-label={`${roleAction}: ${name}`}>
          <p>{admin ? strings.makeMemberConfirm : strings.makeAdminConfirm}</p>
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              setConfirming(null);
              onRole(admin ? 'member' : 'admin');
            }}
          >
            {admin ? strings.makeMemberYes : strings.makeAdminYes}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(null)}>
            {strings.cancel}
          </button>
        </div>
      )}
    </li>
  );
}
