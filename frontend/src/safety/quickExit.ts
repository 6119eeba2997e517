/**
 * The built-in neutral page: an ordinary recipe page shipped with the app and precached, so
 * leaving works with no network. Its name and its content say nothing about Support Circle,
 * because the address bar and the browser's history show it after a quick exit.
 */
export const BUILT_IN_NEUTRAL_PAGE = '/recipes.html';

/**
 * Set on <html> the moment a quick exit starts; the stylesheet hides everything under it.
 * Browser tests also read it while the navigation is held, to see that the page went blank.
 */
export const EXITING_ATTRIBUTE = 'data-exiting';

export interface QuickExitOptions {
  /** Drops every key from memory and shows the locked state. Must be synchronous. */
  lock(): void;
  /** Where to go; see `exitDestination`. */
  target: string;
}

/**
 * Leaves the app now.
 *
 * Contract, in this order, all before the function returns:
 * 1. the page is blanked (an attribute on <html>, so the next paint shows nothing, however
 *    slow the neutral page is to load);
 * 2. `lock()` runs, so no key stays in memory even if the navigation is stopped;
 * 3. `location.replace(target)`: the app's history entry is replaced, so Back does not return.
 * A `lock` that throws still leaves: getting the person out comes first.
 */
export function quickExit({ lock, target }: QuickExitOptions): void {
  document.documentElement.setAttribute(EXITING_ATTRIBUTE, '');
  try {
    lock();
  } finally {
    window.location.replace(target);
  }
}

/**
 * Some browsers restore a page from their back-forward cache as it was left: blank. If that
 * happens, show the (locked) app again rather than an empty page.
 */
export function unblankWhenRestored(): () => void {
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) {
      document.documentElement.removeAttribute(EXITING_ATTRIBUTE);
    }
  };
  window.addEventListener('pageshow', onPageShow);
  return () => window.removeEventListener('pageshow', onPageShow);
}

/**
 * The address a quick exit goes to.
 *
 * `chosen` is the page the person picked in settings, or `null` for the built-in one. Only an
 * absolute http(s) address is accepted; anything else (a typo, `javascript:`, `data:`) falls
 * back to the built-in page, which is also used while offline when the chosen page is on
 * another origin, because a browser error page would say that something was left in a hurry.
 */
export function exitDestination(chosen: string | null, online: boolean, appOrigin: string): string {
  const builtIn = new URL(BUILT_IN_NEUTRAL_PAGE, appOrigin).href;
  const url = chosen === null ? null : exitUrl(chosen);
  if (url === null) {
    return builtIn;
  }
  if (!online && url.origin !== appOrigin) {
    return builtIn;
  }
  return url.href;
}

/** `chosen` as an absolute http(s) address, or null: the one rule for a quick-exit page, also used by settings. */
export function exitUrl(chosen: string): URL | null {
  let url: URL;
  try {
    url = new URL(chosen);
  } catch {
    return null;
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
}
