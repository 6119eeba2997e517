/**
 * Tells when the page leaves the person's sight, so the app can take its words off the screen at
 * once: the phone's app switcher keeps a picture of the page as it was when it went to the
 * background, and a desktop window left open beside others stays readable. Hidden or left
 * (`visibilitychange` to hidden, `pagehide`) or no longer focused (`blur`) veils; back in sight
 * and focused unveils. Locking stays the auto-lock's job: a veil keeps no one out, it only keeps
 * the screen blank while no one is looking at it on purpose.
 *
 * Returns the function that removes the listeners.
 */
export function listenForHiding(onChange: (veiled: boolean) => void): () => void {
  const hidden = () => document.visibilityState === 'hidden';
  const handlers: [EventTarget, string, () => void][] = [
    [document, 'visibilitychange', () => onChange(hidden())],
    [window, 'pagehide', () => onChange(true)],
    [window, 'pageshow', () => onChange(hidden())],
    [window, 'blur', () => onChange(true)],
    [window, 'focus', () => onChange(hidden())],
  ];
  for (const [target, name, handler] of handlers) target.addEventListener(name, handler);
  return () => {
    for (const [target, name, handler] of handlers) target.removeEventListener(name, handler);
  };
}
