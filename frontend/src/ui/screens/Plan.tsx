import { useEffect, useRef, useState } from 'preact/hooks';
import { PLAN_SECTION_IDS, type PlanSectionId } from '../../plan/guide';
import type { Ally, PlanAnswer } from '../../records';
import { type LocalRecord, newRecordId } from '../../storage';
import { useSession } from '../appContext';
import { Choice, ChoiceGroup } from '../Choice';
import { Conflicts, keptConflicts } from '../Conflicts';
import { DiscardButton } from '../DiscardButton';
import { useKeptDraft, useRestoredDraft } from '../drafts';
import { SaveStatus } from '../SaveStatus';
import { dismissConflicts, saveMerged } from '../saveMerged';
import { strings } from '../strings';
import { useRecords, useSave } from '../useRecords';
import { useSharedIn } from '../useSharedIn';

/** The guided support plan: every section optional, private unless marked shareable. */
export function Plan() {
  const answers = useRecords('plan');
  const allies = useRecords('ally');
  const sharedIn = useSharedIn();
  if (answers.items === null || allies.items === null) return <h1>{strings.planHeading}</h1>;
  const bySection = new Map(answers.items.map((record) => [record.body.section, record]));
  const answered = answers.items.filter((record) => record.body.answer.trim() !== '').length;
  return (
    <>
      <h1>{strings.planHeading}</h1>
      <p>{strings.planIntro}</p>
      <p class="hint" data-testid="plan-progress">
        {strings.planProgress(answered, PLAN_SECTION_IDS.length)}
      </p>
      {PLAN_SECTION_IDS.map((section) => (
        <PlanSectionForm
          key={section}
          section={section}
          record={bySection.get(section)}
          allies={allies.items ?? []}
          sharedIn={sharedIn.get(bySection.get(section)?.id ?? '') ?? []}
          onSaved={answers.reload}
        />
      ))}
    </>
  );
}

interface SectionProps {
  section: PlanSectionId;
  record: LocalRecord<'plan'> | undefined;
  allies: LocalRecord<'ally'>[];
  /** The circles this answer is shared with, by name. */
  sharedIn: readonly string[];
  onSaved(): void;
}

function PlanSectionForm({ section, record, allies, sharedIn, onSaved }: SectionProps) {
  const session = useSession();
  const words = strings.planSections[section];
  const stored = record?.body;
  const [answer, setAnswer] = useState(stored?.answer ?? '');
  const [shareable, setShareable] = useState(stored?.shareable ?? false);
  const [allyIds, setAllyIds] = useState<readonly string[]>(stored?.allyIds ?? []);
  // What the form started from: a save merges against it (saveMerged), so nothing another device
  // wrote meanwhile is undone.
  const original = useRef<PlanAnswer | null>(stored ?? null);
  const id = useRef(record?.id ?? newRecordId());
  const save = useSave();
  const dirty = !sameAnswer({ answer, shareable, allyIds }, original.current);
  const draftKey = `plan:${section}`;
  const restored = useRestoredDraft<PlanAnswer>(
    session,
    draftKey,
    (draft) => sameAnswer(draft.value, stored ?? null),
    (draft) => {
      original.current = draft.base;
      if (record === undefined) id.current = draft.recordId;
      setAnswer(draft.value.answer);
      setShareable(draft.value.shareable);
      setAllyIds(draft.value.allyIds);
    },
  );
  const value: PlanAnswer = { section, answer, shareable, allyIds };
  const kept = useKeptDraft(
    session,
    draftKey,
    dirty ? { base: original.current, value, recordId: id.current } : null,
    restored.done,
  );

  // Another device's edit arrived: show it, unless the person has unsaved words here.
  // Effects run after paint: without `seen`, the first run would wipe what was typed meanwhile.
  const storedJson = JSON.stringify(stored ?? null);
  const seen = useRef(storedJson);
  useEffect(() => {
    if (record !== undefined) id.current = record.id;
    if (seen.current === storedJson || dirty) return;
    seen.current = storedJson;
    original.current = stored ?? null;
    setAnswer(stored?.answer ?? '');
    setShareable(stored?.shareable ?? false);
    setAllyIds(stored?.allyIds ?? []);
  }, [storedJson]);

  const write = async (body: PlanAnswer) => {
    if (await save.run(() => saveMerged(session, 'plan', id.current, original.current, body))) {
      original.current = body;
      void kept.drop();
      onSaved();
    }
  };
  const discard = () => {
    const from = original.current;
    setAnswer(from?.answer ?? '');
    setShareable(from?.shareable ?? false);
    setAllyIds(from?.allyIds ?? []);
    void kept.drop();
  };
  const typed =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      restored.touched();
      set(value);
    };
  const submit = (event: Event) => {
    event.preventDefault();
    const kept = allyIds.filter((a) => allies.some((x) => x.id === a));
    // Conflicts stay until the person says they looked at them.
    void write({ section, answer, shareable, allyIds: kept, ...keptConflicts(stored) });
  };
  const toggleAlly = (allyId: string, on: boolean) =>
    typed(setAllyIds)(on ? [...allyIds, allyId] : allyIds.filter((a) => a !== allyId));
  const field = `answer-${section}`;
  return (
    <form class="panel plan-section" aria-labelledby={`${field}-title`} onSubmit={submit} data-section={section}>
      <h2 id={`${field}-title`}>{words.title}</h2>
      <p>{words.why}</p>
      <ul class="prompts" id={`${field}-prompts`}>
        {words.prompts.map((prompt) => (
          <li key={prompt}>{prompt}</li>
        ))}
      </ul>
      <label for={field}>{strings.planAnswer}</label>
      <textarea
        id={field}
        rows={4}
        aria-describedby={`${field}-prompts`}
        value={answer}
        onInput={(e) => typed(setAnswer)(e.currentTarget.value)}
      />
      {stored?._conflicts !== undefined && (
        <Conflicts
          conflicts={stored._conflicts}
          onDone={() => void save.run(() => dismissConflicts(session, 'plan', id.current)).then(onSaved)}
        />
      )}
      <Choice id={`${field}-share`} label={strings.planShareable} checked={shareable} onChange={typed(setShareable)} />
      <p class="hint">{shareable ? strings.planShareableNote : strings.planPrivate}</p>
      {sharedIn.length > 0 && (
        <p class="hint" data-testid="shared-in">
          {strings.sharedWithCircles(sharedIn)}
        </p>
      )}
      <AllyPicker allies={allies} chosen={allyIds} name={field} onToggle={toggleAlly} />
      <button type="submit">{strings.save}</button>
      {dirty && <DiscardButton label={strings.discardChanges} unsaved={dirty} onDiscard={discard} />}
      {dirty && (
        <p class="hint" data-testid="draft-status">
          {strings.draftUnsaved}
        </p>
      )}
      <SaveStatus state={dirty && save.state === 'saved' ? 'idle' : save.state} />
    </form>
  );
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}

function sameAnswer(a: Pick<PlanAnswer, 'answer' | 'shareable' | 'allyIds'>, b: PlanAnswer | null): boolean {
  return (
    a.answer === (b?.answer ?? '') && a.shareable === (b?.shareable ?? false) && sameIds(a.allyIds, b?.allyIds ?? [])
  );
}

interface AllyPickerProps {
  allies: LocalRecord<'ally'>[];
  chosen: readonly string[];
  name: string;
  onToggle(allyId: string, on: boolean): void;
}

/**
 * The allies an answer is about. Folded by default and drawn only when opened: a plan is seven
 * sections, and drawing every ally under each would make a long ally list slow to open.
 */
function AllyPicker({ allies, chosen, name, onToggle }: AllyPickerProps) {
  const [open, setOpen] = useState(false);
  if (allies.length === 0) return <p class="hint">{strings.planNoAllies}</p>;
  const names = sortedAllies(allies.filter((ally) => chosen.includes(ally.id))).map((ally) => ally.body.name);
  return (
    <details class="ally-picker" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        {strings.planAllies}
        {names.length > 0 && `: ${names.join(', ')}`}
      </summary>
      {open && (
        <ChoiceGroup
          legend={strings.planAllies}
          legendHidden
          type="checkbox"
          idPrefix={name}
          options={sortedAllies(allies).map((ally) => ({ value: ally.id, label: ally.body.name }))}
          chosen={(allyId) => chosen.includes(allyId)}
          onChoose={onToggle}
        />
      )}
    </details>
  );
}

export function sortedAllies(allies: LocalRecord<'ally'>[]): LocalRecord<'ally'>[] {
  return [...allies].sort((a: { body: Ally }, b: { body: Ally }) => a.body.name.localeCompare(b.body.name));
}
