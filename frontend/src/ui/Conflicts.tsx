import { useId } from 'preact/hooks';
import type { WithConflicts } from '../records';
import { strings } from './strings';

interface ConflictsProps {
  conflicts: NonNullable<WithConflicts['_conflicts']>;
  /** What the list is; by default, what another of the person's own devices wrote. */
  heading?: string;
  /** The person has looked: the other versions may go. Without it the versions are only shown (a circle one can no longer write in). */
  onDone?: () => void;
  /** Who wrote a version and when, from its hlc, for words someone else wrote. */
  writer?: (hlc: string) => string;
}

/**
 * What another device wrote at the same time, kept by the merge (PROTOCOL §7) so that no one's
 * words are lost silently: a whole value, or, for a text merged word by word, only the words of
 * the place both changed, with the words there now. Shown beside the field until the person says
 * they have looked.
 */
export function Conflicts({ conflicts, heading = strings.conflictHeading, onDone, writer }: ConflictsProps) {
  const id = useId();
  return (
    <div class="conflict" role="group" aria-labelledby={id} data-testid="conflict">
      <p id={id} class="conflict-heading">
        {heading}
      </p>
      {conflicts.map((conflict, index) => (
        <p key={index}>
          {conflict.hlc !== undefined && writer !== undefined
            ? strings.conflictBy(writer(conflict.hlc))
            : strings.conflictOther}{' '}
          <span class="conflict-value">{describe(conflict.value)}</span>
          {conflict.at !== undefined && <span class="hint conflict-at">{where(conflict.at)}</span>}
        </p>
      ))}
      {onDone !== undefined && (
        <button type="button" class="secondary" onClick={onDone}>
          {strings.conflictKeep}
        </button>
      )}
    </div>
  );
}

/** Words of a text merged word by word (PROTOCOL §7) carry the place they belong: the text's words there now. */
function where(at: string): string {
  const words = at.trim();
  return words === '' ? strings.conflictAtRemoved : strings.conflictAt(words);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) return value.map(describe).join(', ');
  return JSON.stringify(value) ?? '';
}

export function keptConflicts(body: WithConflicts | undefined): WithConflicts {
  return body?._conflicts === undefined ? {} : { _conflicts: body._conflicts };
}

export function withoutConflicts<T extends WithConflicts>(body: T): Omit<T, '_conflicts'> {
  const { _conflicts: _dropped, ...rest } = body;
  return rest;
}
