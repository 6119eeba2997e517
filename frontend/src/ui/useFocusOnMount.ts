import { useEffect, useRef } from 'preact/hooks';

/**
 * A ref whose element takes the focus when it first appears (when `when` is true), so a keyboard
 * or screen reader user who just changed screens, or opened a confirmation, is taken to it
 * instead of being left at the top of the page. The element needs tabIndex={-1} unless it is focusable.
 */
export function useFocusOnMount<T extends HTMLElement>(when = true) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (when) ref.current?.focus();
  }, []);
  return ref;
}
