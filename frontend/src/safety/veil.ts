/**
 * Tells when the page leaves the person's sight, so the app can take its words off the screen at
 * once: the phone's app switcher keeps a picture of the page as it was when it went to the
 * background, and a desktop window left open beside others stays readable.
 *
 * Two degrees: `hidden` (the page is hidden or left: `visibilitychange`, `pagehide`), when the app
 * takes its screens away entirely, and `unfocused` (shown, but the document has not the focus,
 * read when it comes back in sight), when it only covers them. A window's `blur` is not listened
 * to yet: it also fires when another page of the browser opens, and nothing brings the focus back
 * to say the screen may show again. Locking stays the auto-lock's job: a veil keeps no one out.
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
    [window, 'focus', () => onChange(now())],
  ];
  for (const [target, name, handler] of handlers) target.addEventListener(name, handler);
  return () => {
    for (const [target, name, handler] of handlers) target.removeEventListener(name, handler);
  };
}
