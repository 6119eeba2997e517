import { strings } from './strings';
import type { SaveState } from './useRecords';

// A function, not a table: the words are read when drawn, after ui/language.ts chose the language.
const text = (): Record<SaveState, string> => ({
  idle: '',
  saving: strings.saving,
  saved: strings.saved,
  failed: strings.saveFailed,
});

/** "Saved" appears only once the edit and its outbox entry are in IndexedDB. */
export function SaveStatus({ state }: { state: SaveState }) {
  return (
    <p
      class={state === 'failed' ? 'save-status error' : 'save-status'}
      role="status"
      data-testid="save-status"
      data-state={state}
    >
      {text()[state]}
    </p>
  );
}
