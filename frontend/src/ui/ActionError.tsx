import type { Action } from './useAction';

/** What went wrong with an action, said at once to screen readers; nothing when nothing did. */
export function ActionError({ action }: { action: Pick<Action, 'error'> }) {
  return action.error === '' ? null : (
    <p class="error" role="alert">
      {action.error}
    </p>
  );
}
