import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Ally, AllyRole } from '../../records';
import type { LocalRecord } from '../../storage';
import { byStanding, holdsBothRoles } from '../allyMap';
import { useSession } from '../appContext';
import { type Draft, readDraft } from '../drafts';
import { useDrawnAsScrolled } from '../drawnAsScrolled';
import { moveFocus } from '../focus';
import { strings } from '../strings';
import { useRecords } from '../useRecords';
import { useSharedIn } from '../useSharedIn';
import { ALLY_DRAFT, AllyForm } from './AllyForm';
import { InviteAlly } from './InviteAlly';
import { sortedAllies } from './Plan';

type Filter = AllyRole | 'all';
type Editing =
  | { kind: 'none' }
  | { kind: 'new'; draft?: Draft<Ally> }
  | { kind: 'edit'; record: LocalRecord<'ally'>; draft?: Draft<Ally> };

/**
 * The person's private map of allies, possible allies and people to be careful with, grouped by
 * where they stand, with questions that help find more and a way to invite one to a circle.
 */
export function Allies() {
  const allies = useRecords('ally');
  const sharedIn = useSharedIn();
  const [filter, setFilter] = useState<Filter>('all');
  const [editing, setEditing] = useState<Editing>({ kind: 'none' });
  // Sorted once per read, not on each render: drawing more of a long list re-renders it.
  const shown = useMemo(
    () => sortedAllies(allies.items ?? []).filter((ally) => filter === 'all' || ally.body.roles.includes(filter)),
    [allies.items, filter],
  );
  // Grouped by where people stand, and drawn as it scrolls in that order, group after group.
  const groups = useMemo(() => {
    let from = 0;
    return byStanding(shown).map((group) => {
      const placed = { ...group, from };
      from += group.allies.length;
      return placed;
    });
  }, [shown]);
  const ordered = useMemo(() => groups.flatMap((group) => group.allies), [groups]);
  const drawn = useDrawnAsScrolled(ordered.length);
  const returnTo = useReturnFocus(allies.items, ordered, drawn.reveal);
  const done = (savedId?: string) => {
    returnTo.set(savedId ?? (editing.kind === 'edit' ? editing.record.id : ''));
    setEditing({ kind: 'none' });
    allies.reload();
  };
  useResumedForm(allies.items, setEditing);
  const removed = () => {
    returnTo.set('');
    allies.reload();
  };
  if (editing.kind !== 'none') {
    return (
      <AllyForm record={editing.kind === 'edit' ? editing.record : undefined} draft={editing.draft} onDone={done} />
    );
  }
  return (
    <>
      <h1 tabIndex={-1} ref={returnTo.heading}>
        {strings.alliesHeading}
      </h1>
      <p>{strings.alliesIntro}</p>
      <button type="button" onClick={() => setEditing({ kind: 'new' })}>
        {strings.addAlly}
      </button>
      <label for="ally-filter">{strings.alliesFilter}</label>
      <select id="ally-filter" value={filter} onChange={(e) => setFilter(e.currentTarget.value as Filter)}>
        <option value="all">{strings.alliesFilterAll}</option>
        {Object.entries(strings.roles).map(([role, { label }]) => (
          <option key={role} value={role}>
            {label}
          </option>
        ))}
      </select>
      {allies.items !== null && shown.length === 0 && <p>{strings.alliesEmpty}</p>}
      {groups.map(({ standing, allies: group, from }) =>
        from >= drawn.count ? null : (
          <section key={standing} aria-labelledby={`standing-${standing}`} data-testid={`standing-${standing}`}>
            <h2 id={`standing-${standing}`}>{strings.statuses[standing].label}</h2>
            <p class="hint">{strings.standingGroups[standing]}</p>
            <ul class="ally-list" aria-labelledby={`standing-${standing}`}>
              {group.slice(0, drawn.count - from).map((ally, index) => (
                <AllyCard
                  key={ally.id}
                  ally={ally}
                  position={from + index + 1}
                  of={ordered.length}
                  sharedIn={sharedIn.get(ally.id) ?? []}
                  onEdit={() => setEditing({ kind: 'edit', record: ally })}
                  onRemoved={removed}
                />
              ))}
            </ul>
          </section>
        ),
      )}
      {drawn.count < ordered.length && <div ref={drawn.end} aria-hidden="true" />}
      <FindAllies />
    </>
  );
}

/** Questions that help a person think who else could be an ally, and how to reach out: to think with, never to fill in. */
function FindAllies() {
  return (
    <section class="panel" aria-labelledby="find-allies-heading">
      <h2 id="find-allies-heading">{strings.findAlliesHeading}</h2>
      <p>{strings.findAlliesIntro}</p>
      <ul class="prompts">
        {strings.findAlliesPrompts.map((prompt) => (
          <li key={prompt}>{prompt}</li>
        ))}
      </ul>
      <h3>{strings.approachHeading}</h3>
      <ul class="prompts">
        {strings.approachPrompts.map((prompt) => (
          <li key={prompt}>{prompt}</li>
        ))}
      </ul>
    </section>
  );
}

/**
 * A form left with words not saved (by a tab switch, a reload or a lock) opens again as it was,
 * once the list is read: a person who was halfway through adding someone finds it where they left it.
 */
function useResumedForm(items: LocalRecord<'ally'>[] | null, open: (editing: Editing) => void): void {
  const session = useSession();
  const ready = items !== null;
  useEffect(() => {
    if (!ready) return;
    let current = true;
    void readDraft<Ally>(session, ALLY_DRAFT).then((draft) => {
      if (!current || draft === undefined) return;
      const record = items.find((ally) => ally.id === draft.recordId);
      if (record !== undefined) open({ kind: 'edit', record, draft });
      else if (draft.base === null) open({ kind: 'new', draft });
    });
    return () => {
      current = false;
    };
  }, [session, ready]);
}

/**
 * Where focus goes back to when the person's form closes or an entry is removed: the entry of the
 * person the form was about (`set(id)`) once the list has read it (drawing the list down to it
 * first), else (`set('')`) the list's heading, never the top of the page.
 */
function useReturnFocus(
  items: readonly LocalRecord<'ally'>[] | null,
  shown: readonly LocalRecord<'ally'>[],
  reveal: (index: number) => void,
) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [target, setTarget] = useState<string | null>(null);
  useLayoutEffect(() => {
    if (target === null || items === null) return;
    // A new person appears once the list is read again; until then, wait.
    if (target !== '' && !items.some((ally) => ally.id === target)) return;
    // Their entry may not be drawn yet: draw down to it, and come back on the next render.
    const index = target === '' ? -1 : shown.findIndex((ally) => ally.id === target);
    if (index >= 0 && document.getElementById(entryId(target)) === null) {
      reveal(index);
      return;
    }
    // Their entry may be filtered out of view: then the heading.
    const entry = target === '' ? null : document.getElementById(entryId(target));
    const to = entry ?? heading.current;
    if (to !== null) moveFocus(to);
    setTarget(null);
  });
  return { heading, set: setTarget };
}

const entryId = (id: string) => `ally-${id}`;

interface AllyCardProps {
  ally: LocalRecord<'ally'>;
  /** Its place in the whole list (from 1), and the list's length: only part of it may be drawn. */
  position: number;
  of: number;
  /** The circles this ally's entry is shared with, by name. */
  sharedIn: readonly string[];
  onEdit(): void;
  onRemoved(): void;
}

function AllyCard({ ally, position, of, sharedIn, onEdit, onRemoved }: AllyCardProps) {
  const session = useSession();
  const [confirming, setConfirming] = useState(false);
  const [inviting, setInviting] = useState(false);
  const { body } = ally;
  const headingId = entryId(ally.id);
  return (
    <li class="panel ally" aria-labelledby={headingId} aria-posinset={position} aria-setsize={of} data-testid="ally">
      <h3 id={headingId}>{body.name}</h3>
      <p class="hint">
        {strings.statuses[body.status].label}
        {body.roles.length > 0 && ` · ${body.roles.map((role) => strings.roles[role].label).join(', ')}`}
      </p>
      {holdsBothRoles(body) && (
        <p class="caution" data-testid="both-roles">
          {strings.bothRolesFlag}
        </p>
      )}
      {body.reach !== '' && <p>{body.reach}</p>}
      {sharedIn.length > 0 && <p class="hint">{strings.sharedWithCircles(sharedIn)}</p>}
      {body._conflicts !== undefined && <p class="conflict-heading">{strings.conflictHeading}</p>}
      {inviting ? (
        <InviteAlly ally={body} allyId={ally.id} onClose={() => setInviting(false)} />
      ) : confirming ? (
        <div role="group" aria-label={strings.removeAllyConfirm}>
          <p>{strings.removeAllyConfirm}</p>
          <button type="button" onClick={() => void session.remove('ally', ally.id).then(onRemoved)}>
            {strings.removeAllyYes}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            {strings.cancel}
          </button>
        </div>
      ) : (
        <>
          <button type="button" class="secondary" aria-label={`${strings.editAlly}: ${body.name}`} onClick={onEdit}>
            {strings.editAlly}
          </button>
          <button
            type="button"
            class="secondary"
            aria-label={`${strings.removeAlly}: ${body.name}`}
            onClick={() => setConfirming(true)}
          >
            {strings.removeAlly}
          </button>
          <button
            type="button"
            class="secondary"
            aria-label={strings.inviteAllyFor(body.name)}
            onClick={() => setInviting(true)}
          >
            {strings.inviteAlly}
          </button>
        </>
      )}
    </li>
  );
}
