/**
 * Tells when the page leaves the person's sight, so the app can take its words off the screen at
 * once: the phone's app switcher keeps a picture of the page as it was when it went to the
 * background, and a desktop window left open beside others stays readable.
 *
 * Two degrees: `hidden` (the page is hidden or left: `visibilitychange`, `pagehide`), when the app
 * may take its screens away entirely, and `unfocused` (the window lost the focus: `blur`), when it
 * only covers them, since focus also leaves for the browser's own address bar while a keyboard user
 * tabs through, and must find every control where it was on the way back. Locking stays the
 * auto-lock's job: a veil keeps no one out, it keeps the screen blank while no one looks on purpose.
 *
 * Returns the function that removes the listeners.
 */
export type Sight = 'shown' | 'unfocused' | 'hidden';

export function listenForHiding(onChange: (sight: Sight) => void): () => void {
  const now = (): Sight =>
    document.visibilityState === 'hidden' ? 'hidden' : document.hasFocus() ? 'shown' : 'unfocused';
  const handlers: [EventTarget, string, () => void][] = [
    [document, 'visibilitychange', () => onChange(now())],
    [window, 'pagehide', () => onChange('hidden')],
    [window, 'pageshow', () => onChange(now())],
    [window, 'blur', () => onChange(document.visibilityState === 'hidden' ? 'hidden' : 'unfocused')],
    [window, 'focus', () => onChange(now())],
  ];
  for (const [target, name, handler] of handlers) target.addEventListener(name, handler);
  return () => {
    for (const [target, name, handler] of handlers) target.removeEventListener(name, handler);
  };
}
