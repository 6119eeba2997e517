// What the shared text_merge vectors cannot carry: texts too large to write into a vector file.
import { describe, expect, it } from 'vitest';
import { merge } from './merge';
import { MAX_DISTINCT_UNITS, mergeText, units } from './textMerge';

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

describe('text merge', () => {
  it('cuts a text into units that join back to it', () => {
    const text = ' We met\u00a0at the café\u0301 👩\u200d👧.\n\n我们见面。 \n';
    expect(units(text).join('')).toBe(text);
  });

  it('merges a text with too many distinct words as one value', () => {
    const base = words(MAX_DISTINCT_UNITS + 1);
    const [local, remote] = [`${base} mine`, `theirs ${base}`];
    expect(mergeText(base, local, remote, true)).toBeNull();
    expect(merge({ text: base }, { text: local }, { text: remote }, true)).toEqual({
      text: local,
      _conflicts: [{ field: 'text', value: remote }],
    });
  });

  it('still merges as many as allowed word by word', () => {
    const base = words(MAX_DISTINCT_UNITS - 2);
    expect(mergeText(base, `${base} mine`, `theirs ${base}`, true)).toEqual({ text: `theirs ${base} mine`, spans: [] });
  });

  it('merges a long text of few distinct words', () => {
    const base = 'a b '.repeat(100_000);
    expect(mergeText(base, `${base}mine`, `theirs ${base}`, true)?.text).toBe(`theirs ${base}mine`);
  });
});
