import type { SharedAlly, SharedPlan } from '../../records';
import { strings } from '../strings';

/**
 * The words of a shared copy as a circle's members read them. The sharing chooser shows the same
 * component before anything is shared, so what the survivor is shown can never drift from what
 * the circle gets.
 */
export function PlanCopyWords({ copy }: { copy: SharedPlan }) {
  return <p class="answer-text shared-words">{copy.answer}</p>;
}

/** An ally's copy besides their name: only what `copyOf` puts in it, never notes or what they know. */
export function AllyCopyWords({ copy }: { copy: SharedAlly }) {
  return (
    <>
      {copy.roles.length > 0 && <p class="hint">{copy.roles.map((r) => strings.roles[r].label).join(', ')}</p>}
      {copy.reach !== '' && <p class="shared-words">{copy.reach}</p>}
      {copy.availability !== '' && <p class="shared-words">{copy.availability}</p>}
    </>
  );
}
