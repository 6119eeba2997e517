import { useRef, useState } from 'preact/hooks';
import type { Ally, AllyRole } from '../../records';
import { type LocalRecord, newRecordId } from '../../storage';
import { holdsBothRoles } from '../allyMap';
import { useSession } from '../appContext';
import { ChoiceGroup, optionsOf } from '../Choice';
import { Conflicts, keptConflicts, withoutConflicts } from '../Conflicts';
import { DiscardButton } from '../DiscardButton';
import { type Draft, useKeptDraft } from '../drafts';
import { focusField, useFocusOnMount, useFocusRequest } from '../focus';
import { SaveStatus } from '../SaveStatus';
import { dismissConflicts, saveMerged } from '../saveMerged';
import { strings } from '../strings';
import { useSave } from '../useRecords';

const ROLES = optionsOf(strings.roles);
const STATUSES = optionsOf(strings.statuses);

const EMPTY: Ally = {
  name: '',
  reach: '',
  roles: [],
  whatTheyKnow: '',
  whatIWantThemToKnow: '',
  availability: '',
  trustNotes: '',
  status: 'ally',
};

type TextField = 'name' | 'reach' | 'whatTheyKnow' | 'whatIWantThemToKnow' | 'availability' | 'trustNotes';

const TEXT_FIELDS: readonly { field: TextField; label: string; long: boolean }[] = [
  { field: 'name', label: strings.allyName, long: false },
  { field: 'reach', label: strings.allyReach, long: false },
  { field: 'whatTheyKnow', label: strings.allyKnows, long: true },
  { field: 'whatIWantThemToKnow', label: strings.allyShouldKnow, long: true },
  { field: 'availability', label: strings.allyAvailability, long: false },
  { field: 'trustNotes', label: strings.allyTrust, long: true },
];

/** The one form of this screen that is open at a time keeps its draft here (see drafts.ts). */
export const ALLY_DRAFT = 'ally';

interface AllyFormProps {
  /** The person to edit; absent to add one. */
  record: LocalRecord<'ally'> | undefined;
  /** Words typed before and kept, to go on with (the form was left by a tab switch or a reload). */
  draft?: Draft<Ally> | undefined;
  /** The form is closed: with the person's id once saved, without one when cancelled. */
  onDone(savedId?: string): void;
}

/** Add or edit one person. Only a name is asked for; everything else may stay empty. */
export function AllyForm({ record, draft, onDone }: AllyFormProps) {
  const session = useSession();
  const [ally, setAlly] = useState<Ally>(draft?.value ?? record?.body ?? EMPTY);
  const [nameMissing, setNameMissing] = useState(false);
  const save = useSave();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const id = useRef(draft?.recordId ?? record?.id ?? newRecordId());
  // What the form started from: a save merges onto it, so nothing another device wrote meanwhile is undone.
  const base = draft?.base ?? record?.body ?? null;
  const dirty = !sameAlly(ally, base ?? EMPTY);
  const kept = useKeptDraft(
    session,
    ALLY_DRAFT,
    dirty ? { base, value: withoutConflicts(ally), recordId: id.current } : null,
    true,
  );
  // Save may be far below the name: take the person to the field, its message in view.
  const nameField = useFocusRequest<HTMLInputElement>(focusField);
  const nameInvalid = nameMissing && ally.name.trim() === '';

  const submit = async (event: Event) => {
    event.preventDefault();
    if (ally.name.trim() === '') {
      setNameMissing(true);
      return nameField.request();
    }
    const body: Ally = { ...withoutConflicts(ally), ...keptConflicts(record?.body) };
    if (await save.run(() => saveMerged(session, 'ally', id.current, base, body))) {
      await kept.drop();
      onDone(id.current);
    }
  };
  // Forgotten before the list shows again, or the list would open the form again from it.
  const discard = () => void kept.drop().then(() => onDone());
  const set = (change: Partial<Ally>) => setAlly({ ...ally, ...change });
  const toggleRole = (role: AllyRole, on: boolean) =>
    set({ roles: on ? [...ally.roles, role] : ally.roles.filter((r) => r !== role) });

  return (
    <form onSubmit={(event) => void submit(event)} aria-labelledby="ally-form-heading" noValidate>
      <h1 id="ally-form-heading" tabIndex={-1} ref={heading}>
        {record === undefined ? strings.allyFormAdd : strings.allyFormEdit}
      </h1>
      {record?.body._conflicts !== undefined && (
        <Conflicts
          conflicts={record.body._conflicts}
          onDone={() =>
            void save.run(() => dismissConflicts(session, 'ally', id.current)).then(() => onDone(id.current))
          }
        />
      )}
      {TEXT_FIELDS.map(({ field, label, long }) => {
        const props = {
          id: `ally-${field}`,
          value: ally[field],
          onInput: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) =>
            set({ [field]: e.currentTarget.value }),
        };
        return (
          <div key={field} class="field">
            <label for={props.id}>{label}</label>
            {long ? (
              <textarea rows={3} {...props} />
            ) : (
              <input
                type="text"
                autocomplete="off"
                {...props}
                ref={field === 'name' ? nameField.ref : null}
                aria-invalid={field === 'name' && nameInvalid}
                aria-describedby={field === 'name' ? 'ally-name-error' : undefined}
              />
            )}
            {field === 'name' && (
              <p id="ally-name-error" class="error" aria-live="polite">
                {nameInvalid ? strings.allyNameMissing : ''}
              </p>
            )}
          </div>
        );
      })}
      <ChoiceGroup
        legend={strings.allyRoles}
        type="checkbox"
        idPrefix="role"
        name="ally-role"
        options={ROLES}
        chosen={(role) => ally.roles.includes(role)}
        onChoose={toggleRole}
      />
      <div aria-live="polite">
        {holdsBothRoles(ally) && (
          <p class="caution" data-testid="both-roles">
            {strings.bothRolesFlag}
          </p>
        )}
      </div>
      <ChoiceGroup
        legend={strings.allyStatus}
        type="radio"
        idPrefix="status"
        name="ally-status"
        options={STATUSES}
        chosen={(status) => ally.status === status}
        onChoose={(status) => set({ status })}
      />
      <button type="submit">{strings.save}</button>
      <DiscardButton label={strings.cancel} unsaved={dirty} onDiscard={discard} />
      {dirty && <p class="hint">{strings.draftUnsaved}</p>}
      <SaveStatus state={save.state} />
    </form>
  );
}

function sameAlly(a: Ally, b: Ally): boolean {
  const roles = (x: Ally) => [...x.roles].sort().join(' ');
  return TEXT_FIELDS.every(({ field }) => a[field] === b[field]) && a.status === b.status && roles(a) === roles(b);
}
