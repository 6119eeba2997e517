import { useRef, useState } from 'preact/hooks';
import { ALLY_ROLES, ALLY_STATUSES } from '../../plan/guide';
import { newRecordId, type Ally, type AllyRole, type LocalRecord, type Session } from '../../storage';
import { Conflicts, keptConflicts, withoutConflicts } from '../Conflicts';
import { dismissConflicts, saveMerged } from '../saveMerged';
import { SaveStatus } from '../SaveStatus';
import { strings } from '../strings';
import { focusField, useFocusOnMount, useFocusRequest } from '../focus';
import { useSave } from '../useRecords';

const EMPTY: Ally = { name: '', reach: '', roles: [], whatTheyKnow: '', whatIWantThemToKnow: '', availability: '', trustNotes: '', status: 'ally' };

type TextField = 'name' | 'reach' | 'whatTheyKnow' | 'whatIWantThemToKnow' | 'availability' | 'trustNotes';

const TEXT_FIELDS: readonly { field: TextField; label: string; long: boolean }[] = [
  { field: 'name', label: strings.allyName, long: false },
  { field: 'reach', label: strings.allyReach, long: false },
  { field: 'whatTheyKnow', label: strings.allyKnows, long: true },
  { field: 'whatIWantThemToKnow', label: strings.allyShouldKnow, long: true },
  { field: 'availability', label: strings.allyAvailability, long: false },
  { field: 'trustNotes', label: strings.allyTrust, long: true },
];

interface AllyFormProps {
  session: Session;
  /** The person to edit; absent to add one. */
  record: LocalRecord<'ally'> | undefined;
  /** The form is closed: with the person's id once saved, without one when cancelled. */
  onDone(savedId?: string): void;
}

/** Add or edit one person. Only a name is asked for; everything else may stay empty. */
export function AllyForm({ session, record, onDone }: AllyFormProps) {
  const [ally, setAlly] = useState<Ally>(record?.body ?? EMPTY);
  const [nameMissing, setNameMissing] = useState(false);
  const save = useSave();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  // Save may be far below the name: take the person to the field, its message in view.
  const nameField = useFocusRequest<HTMLInputElement>(focusField);
  const nameInvalid = nameMissing && ally.name.trim() === '';
  const id = useRef(record?.id ?? newRecordId());

  const submit = async (event: Event) => {
    event.preventDefault();
    if (ally.name.trim() === '') {
      setNameMissing(true);
      return nameField.request();
    }
    const body: Ally = { ...withoutConflicts(ally), ...keptConflicts(record?.body) };
    if (await save.run(() => saveMerged(session, 'ally', id.current, record?.body ?? null, body))) onDone(id.current);
  };
  const set = (change: Partial<Ally>) => setAlly({ ...ally, ...change });
  const toggleRole = (role: AllyRole, on: boolean) => set({ roles: on ? [...ally.roles, role] : ally.roles.filter((r) => r !== role) });

  return (
    <form onSubmit={(event) => void submit(event)} aria-labelledby="ally-form-heading" noValidate>
      <h1 id="ally-form-heading" tabIndex={-1} ref={heading}>
        {record === undefined ? strings.allyFormAdd : strings.allyFormEdit}
      </h1>
      {record?.body._conflicts !== undefined && (
        <Conflicts
          conflicts={record.body._conflicts}
          onDone={() => void save.run(() => dismissConflicts(session, 'ally', id.current)).then(() => onDone(id.current))}
        />
      )}
      {TEXT_FIELDS.map(({ field, label, long }) => {
        const props = {
          id: `ally-${field}`,
          value: ally[field],
          onInput: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => set({ [field]: e.currentTarget.value }),
        };
        return (
          <div key={field} class="field">
            <label for={props.id}>{label}</label>
            {long ? <textarea rows={3} {...props} /> : <input type="text" autocomplete="off" {...props} ref={field === 'name' ? nameField.ref : null} aria-invalid={field === 'name' && nameInvalid} aria-describedby={field === 'name' ? 'ally-name-error' : undefined} />}
            {field === 'name' && (
              <p id="ally-name-error" class="error" aria-live="polite">
                {nameInvalid ? strings.allyNameMissing : ''}
              </p>
            )}
          </div>
        );
      })}
      <Choices legend={strings.allyRoles} type="checkbox" name="role" options={ALLY_ROLES} chosen={(role) => ally.roles.includes(role)} onChoose={toggleRole} />
      <Choices legend={strings.allyStatus} type="radio" name="status" options={ALLY_STATUSES} chosen={(status) => ally.status === status} onChoose={(status) => set({ status })} />
      <button type="submit">{strings.save}</button>
      <button type="button" class="secondary" onClick={() => onDone()}>
        {strings.cancel}
      </button>
      <SaveStatus state={save.state} />
    </form>
  );
}

interface ChoicesProps<T extends string> {
  legend: string;
  type: 'checkbox' | 'radio';
  name: string;
  options: Readonly<Record<T, { readonly label: string; readonly hint: string }>>;
  chosen(value: T): boolean;
  onChoose(value: T, on: boolean): void;
}

/** A group of checkboxes or radio buttons, each with a hint read out with it. */
function Choices<T extends string>({ legend, type, name, options, chosen, onChoose }: ChoicesProps<T>) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {(Object.entries(options) as [T, { label: string; hint: string }][]).map(([value, { label, hint }]) => (
        <div class="check" key={value}>
          <input id={`${name}-${value}`} type={type} name={`ally-${name}`} checked={chosen(value)} aria-describedby={`${name}-${value}-hint`} onChange={(e) => onChoose(value, e.currentTarget.checked)} />
          <label for={`${name}-${value}`}>{label}</label>
          <p id={`${name}-${value}-hint`} class="hint">
            {hint}
          </p>
        </div>
      ))}
    </fieldset>
  );
}
