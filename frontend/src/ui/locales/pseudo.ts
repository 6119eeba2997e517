/**
 * The pseudo-locale (`en-XA`), made from the English catalogue when chosen: every letter
 * accented, each message a third longer and bracketed, "[Ŝåṽé ··]". A screen in it shows at a
 * glance (and to tests/browser/test_translatable.py) any words that did not come from the
 * catalogue, and the room a longer language needs. Never offered to a person; no translation.
 */

import type { Catalogue } from './catalogue';

const PLAIN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ACCENTED = 'åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ';
const ACCENT = new Map([...PLAIN].map((letter, index) => [letter, [...ACCENTED][index] as string]));

/**
 * `text` accented and bracketed, except the parts in `kept`: what a function was given (a name a
 * person typed, a date, another message) is shown as it came.
 */
export function pseudoText(text: string, kept: readonly string[] = []): string {
  if (text === '') return text;
  const verbatim = kept.filter((part) => part !== '').sort((a, b) => b.length - a.length);
  let out = '';
  for (let at = 0; at < text.length; ) {
    const part = verbatim.find((candidate) => text.startsWith(candidate, at));
    if (part !== undefined) {
      out += part;
      at += part.length;
    } else {
      const letter = text[at] as string;
      out += ACCENT.get(letter) ?? letter;
      at += 1;
    }
  }
  return `[${out} ${'·'.repeat(Math.ceil(text.length / 3))}]`;
}

/** Every argument that is text, however nested in lists: the parts a message shows as given. */
function textsIn(args: readonly unknown[]): string[] {
  return args.flatMap((arg) => (typeof arg === 'string' ? [arg] : Array.isArray(arg) ? textsIn(arg) : []));
}

function pseudo<T>(value: T): T {
  if (typeof value === 'string') return pseudoText(value) as T;
  if (typeof value === 'function') {
    const message = value as (...args: unknown[]) => string;
    return ((...args: unknown[]) => pseudoText(message(...args), textsIn(args))) as T;
  }
  if (Array.isArray(value)) return value.map(pseudo) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, pseudo(entry)])) as T;
  }
  return value;
}

/** The pseudo-locale of `english`: given, not imported, so this file's chunk holds no catalogue. */
export function pseudoCatalogue(english: Catalogue): Catalogue {
  return {
    lang: 'en-XA',
    strings: pseudo(english.strings),
    failureStrings: pseudo(english.failureStrings),
    refusalReasons: pseudo(english.refusalReasons),
  };
}
