import { useEffect, useState } from 'preact/hooks';
import { PLAN_SECTION_IDS } from '../../plan/guide';
import { copyOf } from '../../sync/circles/shares';
import { ActionError } from '../ActionError';
import { sharingCaution } from '../allyMap';
import { useRunningEngine, useSyncVersion } from '../appContext';
import { ChoiceGroup, type ChoiceOption } from '../Choice';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { useLoaded } from '../useLoaded';
import { useRecords } from '../useRecords';
import type { CirclePartProps } from './circleParts';
import { sortedAllies } from './Plan';
import { AllyCopyWords, PlanCopyWords } from './SharedWords';

/**
 * For any member (the survivor may be the admin, or a member of a facilitator's circle): which of
 * their own plan answers and allies this circle sees. Nothing is ticked
 * by default; only answers marked shareable and people marked as allies can be, and each shows the
 * words the circle would read before it is ticked. Taking one back says plainly that people may
 * already have read it. In a circle for the person doing harm, the toolkit's caution comes first:
 * the people there may not be the ones to support the survivor closely.
 */
export function CircleSharing({ summary }: CirclePartProps) {
  const engine = useRunningEngine();
  const version = useSyncVersion();
  const plan = useRecords('plan');
  const allies = useRecords('ally');
  const shared = useLoaded(() => engine.sharing.sharedWith(summary.id), [engine, summary.id, version]);
  const [message, setMessage] = useState('');
  // The person's choice shows at once, while it is saved, and until what is loaded agrees: a sync
  // landing meanwhile reloads the list from before the save, which must not untick the box.
  const [chosen, setChosen] = useState<ReadonlyMap<string, boolean>>(new Map());
  useEffect(() => {
    const loaded = shared.value;
    if (loaded !== null) setChosen((map) => withoutSettled(map, (id, on) => loaded.has(id) === on));
  }, [shared.value]);
  const action = useAction();
  // Each choice shows the copy `copyOf` would write, so the words beside a tick-box are exactly
  // what the circle would read; copyOf also leaves out whatever cannot be shared.
  const answers = PLAN_SECTION_IDS.flatMap((section) =>
    (plan.items ?? [])
      .filter((a) => a.body.section === section)
      .flatMap((a): ChoiceOption<string>[] => {
        const copy = copyOf(a);
        if (copy?.kind !== 'shared-plan') return [];
        const words = (
          <div class="shared-preview">
            <PlanCopyWords copy={copy.body} />
          </div>
        );
        return [{ value: a.id, label: strings.planSections[section].title, hint: words }];
      }),
  );
  const people = sortedAllies(allies.items ?? []).flatMap((a): ChoiceOption<string>[] => {
    const copy = copyOf(a);
    if (copy?.kind !== 'shared-ally') return [];
    const words = (
      <div class="shared-preview">
        <AllyCopyWords copy={copy.body} />
      </div>
    );
    return [{ value: a.id, label: copy.body.name, hint: words }];
  });
  const toggle = (id: string, on: boolean) => {
    setChosen((map) => new Map(map).set(id, on));
    action.run(async () => {
      try {
        await engine.sharing.set(summary.id, id, on);
        setMessage(on ? strings.sharedNow : strings.unshareWarning);
      } catch (error) {
        // Not saved: the box shows what is shared, and the error says why.
        setChosen((map) => withoutSettled(map, (other) => other === id));
        throw error;
      } finally {
        shared.reload();
      }
    });
  };
  const group = {
    type: 'checkbox',
    idPrefix: 'share',
    chosen: (id: string) => chosen.get(id) ?? shared.value?.has(id) ?? false,
    onChoose: toggle,
    disabled: shared.value === null || action.busy,
  } as const;
  return (
    <section class="panel" aria-labelledby="sharing-heading">
      <h2 id="sharing-heading">{strings.sharingHeading}</h2>
      {sharingCaution(summary.purpose) && (
        <p class="caution" data-testid="harm-circle-caution">
          {strings.harmCircleCaution}
        </p>
      )}
      <p class="hint">{strings.sharingHelp}</p>
      <ChoiceGroup legend={strings.sharingPlan} options={answers} {...group}>
        {answers.length === 0 && <p class="hint">{strings.sharingPrivateOnly}</p>}
      </ChoiceGroup>
      <ChoiceGroup legend={strings.sharingAllies} options={people} describedBy="sharing-ally-hint" {...group}>
        <p class="hint" id="sharing-ally-hint">
          {strings.sharingAllyHint}
        </p>
        {people.length === 0 && <p class="hint">{strings.sharingNoAllies}</p>}
      </ChoiceGroup>
      <p role="status" data-testid="sharing-status">
        {message}
      </p>
      <ActionError action={action} />
    </section>
  );
}

/** `map` without the choices `settled` says are done with; the same map when none are. */
function withoutSettled(
  map: ReadonlyMap<string, boolean>,
  settled: (id: string, on: boolean) => boolean,
): ReadonlyMap<string, boolean> {
  const left = new Map([...map].filter(([id, on]) => !settled(id, on)));
  return left.size === map.size ? map : left;
}
