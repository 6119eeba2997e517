/**
 * Where focus goes when the screen changes under the person. When the control that had focus goes
 * away (a form closes, a screen is replaced), the browser leaves focus on <body>: a keyboard starts
 * again from the top of the page, a screen reader says nothing, and a phone's keyboard closes.
 * Every move of focus the app makes goes through here, as the screen is drawn (a layout effect),
 * not a frame later: by then a keyboard may have moved on, or a field be half typed into.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/** Focuses `el`, first making it focusable by script alone (tabindex -1) if it is not focusable yet. */
export function moveFocus(el: HTMLElement): void {
  if (el.tabIndex < 0 && !el.hasAttribute('tabindex')) el.tabIndex = -1;
  el.focus();
}

/**
 * Takes the person to a field that needs them: its group (label, field and message, `.field`)
 * scrolled into view, clear of the quick exit bar (the page's scroll padding), and the field focused.
 */
export function focusField(field: HTMLElement): void {
  (field.closest('.field') ?? field).scrollIntoView({ block: 'nearest' });
  field.focus({ preventScroll: true });
}

/** Focuses a text field with its text selected: typing replaces it, and a phone's keyboard opens again. */
export function focusAndSelect(field: HTMLInputElement): void {
  field.focus();
  field.select();
}

/**
 * A ref whose element takes the focus when it first appears (when `when` is true), so a keyboard
 * or screen reader user who just changed screens, or opened a confirmation, is taken to it
 * instead of being left at the top of the page. The element needs tabIndex={-1} unless it is focusable.
 */
export function useFocusOnMount<T extends HTMLElement>(when = true) {
  const ref = useRef<T>(null);
  useLayoutEffect(() => {
    if (when) ref.current?.focus();
  }, []);
  return ref;
}

/**
 * A ref, and `request()` to focus its element (by `focus`) once the screen has drawn what the
 * request changed, and once the element can take it (a button is enabled again when the work that
 * disabled it ends): a field is read out with the message that describes it only if the message
 * is there when it takes the focus.
 */
export function useFocusRequest<T extends HTMLElement>(
  focus: (el: T) => void = moveFocus,
): { ref: { current: T | null }; request(): void } {
  const ref = useRef<T>(null);
  const pending = useRef(false);
  const [, redraw] = useState(0);
  useLayoutEffect(() => {
    if (!pending.current || ref.current === null) return;
    focus(ref.current);
    if (document.activeElement === ref.current) pending.current = false;
  });
  const request = () => {
    pending.current = true;
    redraw((n) => n + 1);
  };
  return { ref, request };
}

/**
 * Puts focus on the screen's heading (the first h1 in `screen`) and keeps it there while the screen
 * draws itself: a screen that shows its heading at once and the rest once read may draw its heading
 * anew. Lets go as soon as the person acts (a key, a pointer, focus elsewhere). Returns the let-go.
 */
export function focusScreenHeading(screen: HTMLElement): () => void {
  let held: HTMLElement | null = null;
  const hold = () => {
    held = screen.querySelector('h1');
    if (held !== null) moveFocus(held);
  };
  const redrawn = new MutationObserver(() => {
    if (held === null || !held.isConnected) hold();
  });
  const movedOn = (event: Event) => {
    if (event.type !== 'focusin' || event.target !== held) letGo();
  };
  const events = ['focusin', 'keydown', 'pointerdown'] as const;
  const letGo = () => {
    redrawn.disconnect();
    for (const type of events) document.removeEventListener(type, movedOn, true);
  };
  hold();
  redrawn.observe(screen, { childList: true, subtree: true });
  for (const type of events) document.addEventListener(type, movedOn, true);
  return letGo;
}
