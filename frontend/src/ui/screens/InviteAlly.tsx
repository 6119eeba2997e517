import { useState } from 'preact/hooks';
import type { Ally } from '../../records';
import type { CircleInvite } from '../../sync/engine';
import { ActionError } from '../ActionError';
import { inviteCautions } from '../allyMap';
import { useEngine, useSyncVersion } from '../appContext';
import { Choice } from '../Choice';
import { QrCode } from '../QrCode';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { useLoaded } from '../useLoaded';
import { circleName, readableTime } from './circleParts';

interface InviteAllyProps {
  ally: Ally;
  /** The ally record's id: the ids of this panel's controls are made from it. */
  allyId: string;
  onClose(): void;
}

/**
 * Invite a person from "My allies" to one of the circles this device is an admin of: the same
 * single-use link as the circle's own page makes, labelled with their name (on this device only).
 * Before someone marked careful, or someone working with the person doing harm into a circle that
 * supports the survivor, the toolkit's caution shows and the person ticks that they still want to;
 * a caution never forbids.
 */
export function InviteAlly({ ally, allyId, onClose }: InviteAllyProps) {
  const engine = useEngine();
  const version = useSyncVersion();
  const circles = useLoaded(async () => {
    const all = (await engine?.circles.list()) ?? [];
    return all.filter((c) => c.standing === 'member' && c.admin);
  }, [engine, version]);
  const [circleId, setCircleId] = useState('');
  const [sure, setSure] = useState(false);
  const [invite, setInvite] = useState<CircleInvite | null>(null);
  const action = useAction();
  const list = circles.value ?? [];
  const chosen = list.find((c) => c.id === circleId) ?? list[0];
  const cautions = chosen === undefined ? [] : inviteCautions(ally, chosen.purpose);
  const id = (part: string) => `invite-${part}-${allyId}`;
  const make = () => {
    if (engine === null || chosen === undefined) return;
    action.run(async () => {
      setInvite(await engine.invites.create(chosen.id, ally.name.slice(0, 60)));
    });
  };
  return (
    <div role="group" aria-label={strings.inviteAllyFor(ally.name)} class="invite-ally" data-testid="invite-ally">
      {engine === null && <p class="hint">{strings.inviteAllyNeedSync}</p>}
      {engine !== null && circles.value !== null && list.length === 0 && (
        <p class="hint">{strings.inviteAllyNoCircles}</p>
      )}
      {chosen !== undefined && invite === null && (
        <>
          <label for={id('circle')}>{strings.inviteAllyCircle}</label>
          <select
            id={id('circle')}
            value={chosen.id}
            onChange={(e) => {
              setCircleId(e.currentTarget.value);
              setSure(false);
            }}
          >
            {list.map((c) => (
              <option key={c.id} value={c.id}>
                {circleName(c)}
              </option>
            ))}
          </select>
          {cautions.length > 0 && (
            <div class="caution" data-testid="invite-caution">
              {cautions.map((caution) => (
                <p key={caution}>{strings.inviteAllyCautions[caution]}</p>
              ))}
              <Choice id={id('sure')} label={strings.inviteAllyConfirm} checked={sure} onChange={setSure} />
            </div>
          )}
          <button type="button" disabled={action.busy || (cautions.length > 0 && !sure)} onClick={make}>
            {strings.inviteAllyMake}
          </button>
        </>
      )}
      {invite !== null && (
        <div class="device-link">
          <p>{strings.inviteMade(readableTime(invite.expiresAt.getTime()))}</p>
          <p class="link-text" data-testid="ally-invite-link">
            {invite.link}
          </p>
          <QrCode text={invite.link} label={strings.inviteQr} />
          <p class="hint">{strings.inviteAllyApprove}</p>
        </div>
      )}
      <button type="button" class="secondary" onClick={onClose}>
        {strings.inviteAllyClose}
      </button>
      <ActionError action={action} />
    </div>
  );
}
