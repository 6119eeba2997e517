// The pseudo-locale made from English, and how a language is chosen from the browser's.
import { describe, expect, it } from 'vitest';
import { bestMatch, ENGLISH } from './language';
import type { Words } from './locales/catalogue';
import { pseudoCatalogue, pseudoText } from './locales/pseudo';
import { failureStrings, refusalReasons, strings } from './strings';

/** Every leaf of a catalogue, by its path: texts as they are, functions as 'function'. */
function leaves(value: unknown, path = ''): Map<string, unknown> {
  if (typeof value !== 'object' || value === null) return new Map([[path, value]]);
  return new Map(Object.entries(value).flatMap(([key, entry]) => [...leaves(entry, `${path}.${key}`)]));
}

/** What is left of a text once every bracketed (pseudo-localised) part is taken out. */
function outsideBrackets(text: string): string {
  let rest = text;
  for (let before = ''; before !== rest; ) {
    before = rest;
    rest = rest.replace(/\[[^[\]]*\]/g, '');
  }
  return rest;
}

describe('the pseudo-locale', () => {
  const pseudo = pseudoCatalogue({ lang: ENGLISH, strings, failureStrings, refusalReasons });
  const pairs = [
    [strings, pseudo.strings],
    [failureStrings, pseudo.failureStrings],
    [refusalReasons, pseudo.refusalReasons],
  ] as const;

  it('has every message English has, each accented, longer and bracketed', () => {
    for (const [english, made] of pairs) {
      const from = leaves(english);
      const to = leaves(made);
      expect([...to.keys()]).toEqual([...from.keys()]);
      for (const [path, text] of from) {
        const out = to.get(path);
        if (typeof text === 'function') {
          expect(typeof out, path).toBe('function');
        } else if (text === '') {
          expect(out, path).toBe('');
        } else {
          expect(typeof out, path).toBe('string');
          expect(out as string, path).toMatch(/^\[[^A-Za-z]*\]$/);
          expect((out as string).length, path).toBeGreaterThan((text as string).length);
        }
      }
    }
  });

  it('shows what a message is given as given, inside the brackets', () => {
    expect(pseudo.strings.sharedBy('Ana')).toMatch(/^\[[^A-Za-z]*Ana[^A-Za-z]*\]$/);
    expect(outsideBrackets(pseudo.strings.syncWaiting(3))).toBe('');
    expect(pseudo.strings.syncWaiting(3)).toContain('3');
    const names = pseudo.strings.unreadableFrom(['Bea', '']);
    expect(names).toContain('Bea');
    expect(outsideBrackets(names)).toBe('');
  });

  it('keeps a message passed into another one bracketed inside it', () => {
    const inner = pseudo.strings.sharedByYou;
    const outer = pseudoText(`Said: ${inner}`, [inner]);
    expect(outer).toContain(inner);
    expect(outsideBrackets(outer)).toBe('');
  });

  it('leaves digits and punctuation alone', () => {
    expect(pseudoText('1, 2: 3.')).toBe('[1, 2: 3. ···]');
  });
});

describe('choosing a language', () => {
  it('takes the first of the browser languages the app has, by exact tag, then by language', () => {
    expect(bestMatch(['fr-CA', 'de', 'en'], ['en', 'de', 'fr'])).toBe('fr');
    expect(bestMatch(['pt-BR', 'pt'], ['en', 'pt', 'pt-BR'])).toBe('pt-BR');
    expect(bestMatch(['mi', 'de'], ['en', 'de'])).toBe('de');
  });

  it('falls back to English, and never to the pseudo-locale', () => {
    expect(bestMatch(['mi'], ['en', 'de'])).toBe('en');
    expect(bestMatch(['en-XA'])).toBe('en');
    expect(bestMatch([])).toBe('en');
  });
});

describe('the shape a translation must have', () => {
  it('refuses a record value without words, and words of the wrong kind', () => {
    const { 'supports-me': _left, ...withoutOne } = strings.roles;
    // @ts-expect-error a role English has words for is missing: the type checker refuses it
    const roles: Words<typeof strings.roles> = withoutOne;
    // @ts-expect-error a message that takes a name must stay a function of a name
    const sharedBy: Words<typeof strings.sharedBy> = 'Shared';
    expect([roles, sharedBy]).toHaveLength(2);
  });
});
