import { isPlanSection, PLAN_SECTION_IDS } from '../../plan/guide';
import { writerOf } from '../../records';
import { useSession } from '../appContext';
import { strings } from '../strings';
import { useRecords } from '../useRecords';
import { type CirclePartProps, nameIn } from './circleParts';
import { AllyCopyWords, PlanCopyWords } from './SharedWords';

const sectionTitle = (id: string): string => (isPlanSection(id) ? strings.planSections[id].title : id);

/**
 * What members shared with this circle, as every member's app shows it, each with who shared it:
 * any member may share their own (PROTOCOL §16), so nobody's words pass as another's.
 */
export function CircleShared({ summary }: CirclePartProps) {
  const me = useSession().deviceId;
  const sharer = (record: { readonly hlc?: string }) => {
    const writer = writerOf(record, me);
    return (
      <div class="hint" data-testid="shared-by">
        {writer === me ? strings.sharedByYou : strings.sharedBy(nameIn(summary, writer))}
      </div>
    );
  };
  const plan = useRecords('shared-plan', summary.id);
  const allies = useRecords('shared-ally', summary.id);
  const answers = [...(plan.items ?? [])].sort((a, b) => order(a.body.section) - order(b.body.section));
  const people = [...(allies.items ?? [])].sort((a, b) => a.body.name.localeCompare(b.body.name));
  const nothing = plan.items !== null && allies.items !== null && answers.length === 0 && people.length === 0;
  return (
    <section class="panel" aria-labelledby="shared-heading">
      <h2 id="shared-heading">{strings.sharedHeading}</h2>
      {nothing && <p>{strings.sharedNothing}</p>}
      {answers.length > 0 && (
        <ul class="plain" aria-label={strings.sharedPlanLabel}>
          {answers.map((a) => (
            <li key={a.id} data-testid="shared-plan">
              <h3>{sectionTitle(a.body.section)}</h3>
              <PlanCopyWords copy={a.body} />
              {sharer(a)}
            </li>
          ))}
        </ul>
      )}
      {people.length > 0 && (
        <ul class="plain" aria-label={strings.sharedAlliesLabel}>
          {people.map((a) => (
            <li key={a.id} data-testid="shared-ally">
              <h3>{a.body.name}</h3>
              <AllyCopyWords copy={a.body} />
              {sharer(a)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function order(section: string): number {
  const index = (PLAN_SECTION_IDS as readonly string[]).indexOf(section);
  return index === -1 ? PLAN_SECTION_IDS.length : index;
}
