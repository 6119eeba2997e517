/**
 * The browser side of the safety logic: turns DOM events into calls on `ShiftTriple` and
 * `AutoLock`. Each function returns the function that removes its listeners.
 */
import type { AutoLock } from './autoLock';
import type { KeyContext, ShiftTriple } from './shiftTriple';

/** Input types that bring up a keyboard for text; the rest (checkbox, button, range…) do not. */
const NON_TEXT_INPUT_TYPES = new Set([
  'button',
  'checkbox',
  'color',
  'file',
  'hidden',
  'image',
  'radio',
  'range',
  'reset',
  'submit',
]);

function isTextField(element: Element | null): boolean {
  if (!(element instanceof HTMLElement)) {
    return false;
  }
  if (element.isContentEditable || element.tagName === 'TEXTAREA') {
    return true;
  }
  return element.tagName === 'INPUT' && !NON_TEXT_INPUT_TYPES.has((element as HTMLInputElement).type);
}

/** Read per key, not once: a keyboard can be attached to a tablet, or a field focused, at any time. */
function keyContext(event: KeyboardEvent): KeyContext {
  const target = event.target instanceof Element ? event.target : document.activeElement;
  return {
    inTextField: isTextField(target) || isTextField(document.activeElement),
    touchFirst: navigator.maxTouchPoints > 0 && window.matchMedia('(pointer: coarse)').matches,
  };
}

/**
 * Feeds every key to the Shift counter. Listens in the capture phase on the window, so a
 * screen that stops a key's propagation cannot switch the shortcut off.
 */
export function listenForShiftTriple(counter: ShiftTriple): () => void {
  const onKey = (event: KeyboardEvent) => {
    counter.handle(
      {
        type: event.type === 'keydown' ? 'keydown' : 'keyup',
        key: event.key,
        repeat: event.repeat,
        isComposing: event.isComposing,
        keyCode: event.keyCode,
        ctrlKey: event.ctrlKey,
        altKey: event.altKey,
        metaKey: event.metaKey,
      },
      keyContext(event),
    );
  };
  window.addEventListener('keydown', onKey, true);
  window.addEventListener('keyup', onKey, true);
  return () => {
    window.removeEventListener('keydown', onKey, true);
    window.removeEventListener('keyup', onKey, true);
  };
}

/** What counts as someone using the app. */
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'touchstart', 'wheel', 'scroll', 'input'] as const;

/** Reports activity and visibility to the auto-lock. */
export function listenForAutoLock(autoLock: AutoLock): () => void {
  const onActivity = () => autoLock.activity();
  const onVisibility = () => (document.visibilityState === 'hidden' ? autoLock.hidden() : autoLock.visible());
  const options = { capture: true, passive: true };
  for (const name of ACTIVITY_EVENTS) {
    window.addEventListener(name, onActivity, options);
  }
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    for (const name of ACTIVITY_EVENTS) {
      window.removeEventListener(name, onActivity, options);
    }
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
