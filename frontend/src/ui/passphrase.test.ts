import { describe, expect, it } from 'vitest';
import { strengthOf } from './passphrase';

describe('passphrase feedback', () => {
  it.each([
    ['', 'too-short'],
    ['short', 'too-short'],
    ['aaaaaaaaaaaaaaaa', 'weak'],
    ['password123', 'weak'],
    ['kettle-moss', 'fair'],
    ['kettle moss river', 'good'],
    ['kettle moss river lantern swim', 'strong'],
  ])('%j is %s', (text, expected) => {
    expect(strengthOf(text)).toBe(expected);
  });

  it('counts characters, not UTF-16 units, for the length rule', () => {
    expect(strengthOf('🌿🌿🌿🌿🌿🌿🌿')).toBe('too-short');
  });
});
