/**
 * Tells when the page leaves the person's sight, so the app can take its words off the screen at
 * once: the phone's app switcher keeps a picture of the page as it was when it went to the
 * background. Hidden or left (`visibilitychange` to hidden, `pagehide`) veils; back in sight
 * unveils. A window's `blur` is not listened to yet: it also fires when another page of the
 * browser opens, and nothing reliably follows to say the screen may show again. Locking stays the
 * auto-lock's job: a veil keeps no one out, it keeps the screen blank while no one looks on purpose.
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
  for (const [target, name, handler] of handlers) target.addEventListener(name, handler);
  return () => {
    for (const [target, name, handler] of handlers) target.removeEventListener(name, handler);
  };
}
