/**
 * The shape of a language's catalogue: what every translation in this folder must have
 * (docs/translating.md). The English words are ui/strings.ts.
 */
import type { failureStrings, refusalReasons, strings } from '../strings';

/**
 * The shape a translation must have: every key of the English catalogue, words for words and
 * functions of the same arguments, so a key English gains (a record value the schema adds) is
 * refused by the type checker until each language has words for it.
 */
export type Words<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : { readonly [K in keyof T]: Words<T[K]> };

export interface Catalogue {
  /** The BCP 47 tag put on <html lang>, so screen readers pronounce the words right. */
  readonly lang: string;
  readonly strings: Words<typeof strings>;
  readonly failureStrings: Words<typeof failureStrings>;
  readonly refusalReasons: Words<typeof refusalReasons>;
}
