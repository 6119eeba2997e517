/**
 * Which language the app speaks, chosen before anything is drawn (docs/translating.md).
 *
 * English is the catalogue in ui/strings.ts and is always there. Every other language is a
 * catalogue module of the same shape (`Catalogue`), loaded with import() only when chosen, so the
 * first screen never carries a language nobody picked; the service worker precaches every one,
 * so which one is loaded says nothing to the server after the first visit.
 *
 * The choice is the person's, kept in this browser's localStorage under `language` (like the
 * disguise, it must hold before unlock; a wipe removes it), else the first of the browser's
 * languages the app has, else English. Choosing reads nothing from and sends nothing to anywhere.
 * The pseudo-locale (`en-XA`) is reachable only through that kept setting: tests set it, and no
 * browser language ever picks it.
 */
import type { Catalogue } from './locales/catalogue';
import { failureStrings, refusalReasons, strings } from './strings';

export const ENGLISH = 'en';
export const PSEUDO = 'en-XA';

/**
 * The languages besides English, by tag. A translation adds one line here (docs/translating.md):
 * `fr: () => import('./locales/fr').then((m) => m.catalogue),`
 */
const TRANSLATIONS: Readonly<Record<string, () => Promise<Catalogue>>> = {};

const KEPT = 'language';

function kept(): string | null {
  try {
    return localStorage.getItem(KEPT);
  } catch {
    // Blocked storage: the browser's languages decide for this start.
    return null;
  }
}

/** The tags a person can be offered: English and every translation (never the pseudo-locale). */
export function offeredLanguages(): readonly string[] {
  return [ENGLISH, ...Object.keys(TRANSLATIONS)];
}

/** The tag of the first offered language matching `wanted` ("pt-BR" matches "pt-BR", then "pt"). */
export function bestMatch(wanted: readonly string[], offered: readonly string[] = offeredLanguages()): string {
  for (const tag of wanted) {
    const exact = offered.find((o) => o.toLowerCase() === tag.toLowerCase());
    if (exact !== undefined) return exact;
    const base = offered.find((o) => o.toLowerCase() === tag.toLowerCase().split('-')[0]);
    if (base !== undefined) return base;
  }
  return ENGLISH;
}

/** The person's kept choice, else the browser's languages, else English. */
export function chosenLanguage(): string {
  const choice = kept();
  if (choice === PSEUDO) return PSEUDO;
  if (choice !== null && offeredLanguages().includes(choice)) return choice;
  return bestMatch(globalThis.navigator?.languages ?? []);
}

async function load(tag: string): Promise<Catalogue | null> {
  if (tag === PSEUDO) {
    return (await import('./locales/pseudo')).pseudoCatalogue({
      lang: ENGLISH,
      strings,
      failureStrings,
      refusalReasons,
    });
  }
  return (await TRANSLATIONS[tag]?.()) ?? null;
}

/**
 * Speaks `tag` from now on: its words replace the English ones in the catalogue objects every
 * screen reads. Called once, before the first screen is drawn; English needs nothing loaded.
 */
export async function speak(tag: string): Promise<void> {
  let catalogue: Catalogue | null = null;
  try {
    catalogue = tag === ENGLISH ? null : await load(tag);
  } catch {
    // Its file could not be loaded (offline before the first visit cached it): English, this start.
  }
  if (catalogue === null) return;
  Object.assign(strings, catalogue.strings);
  Object.assign(failureStrings, catalogue.failureStrings);
  Object.assign(refusalReasons, catalogue.refusalReasons);
  document.documentElement.lang = catalogue.lang;
}
