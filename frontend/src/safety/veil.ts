/**
 * Tells when the page leaves the person's sight, so the app can take its words off the screen at
 * once: the phone's app switcher keeps a picture of the page as it was when it went to the
 * background. Hidden or left (`visibilitychange` to hidden, `pagehide`) veils; back in sight
 * unveils. On a desktop (a fine pointer) a window that loses the focus veils too, since it stays
 * on screen beside the window someone else is looking at, and its `focus` unveils; a phone's
 * window loses the focus for its own keyboard and pickers, so there only hiding counts. Locking
 * stays the auto-lock's job: a veil keeps no one out, it keeps the screen blank while no one looks
 * on purpose.
 *
 * Returns the function that removes the listeners.
 */
export function listenForHiding(onChange: (hidden: boolean) => void): () => void {
  const now = () => onChange(document.visibilityState === 'hidden');
  const handlers: [EventTarget, string, () => void][] = [
    [document, 'visibilitychange', now],
    [window, 'pagehide', () => onChange(true)],
    [window, 'pageshow', now],
  ];
  if (window.matchMedia?.('(pointer: fine)').matches === true) {
    handlers.push([window, 'blur', () => onChange(true)], [window, 'focus', now]);
  }
  for (const [target, name, handler] of handlers) target.addEventListener(name, handler);
  return () => {
    for (const [target, name, handler] of handlers) target.removeEventListener(name, handler);
  };
}
