import { describe, expect, it } from 'vitest';
import { type Estimator, loadEstimator, refused, type Strength, strengthOf } from './passphrase';

describe('passphrase feedback with the estimator (zxcvbn-ts)', async () => {
  const estimate = (await loadEstimator()) as Estimator;

  it.each([
    ['password', 'too-common'],
    ['password123', 'too-common'],
    ['Password1!', 'too-common'],
    ['iloveyou', 'too-common'],
    ['sunshine', 'too-common'],
    ['qwertyuiop', 'too-common'],
    ['jennifer1990', 'too-common'],
    ['aaaaaaaaaaaaaaaa', 'too-common'],
    ['kettle-moss', 'fair'],
    ['kettle moss river lantern', 'strong'],
  ])('%j is %s', (text, expected) => {
    expect(strengthOf(text, estimate)).toBe(expected);
  });

  it('refuses what is too short or too common, and nothing else', () => {
    const all: Strength[] = ['too-short', 'too-common', 'weak', 'fair', 'good', 'strong'];
    expect(all.filter(refused)).toEqual(['too-short', 'too-common']);
  });

  it('is loaded once', async () => {
    expect(await loadEstimator()).toBe(estimate);
  });
});

describe('passphrase feedback without it (not loaded yet, or offline)', () => {
  it.each([
    ['', 'too-short'],
    ['short', 'too-short'],
    ['password123', 'too-common'],
    ['iloveyou', 'too-common'],
    ['aaaaaaaaaaaaaaaa', 'weak'],
    ['kettle-moss', 'fair'],
    ['kettle moss river', 'good'],
    ['kettle moss river lantern swim', 'strong'],
  ])('%j is %s', (text, expected) => {
    expect(strengthOf(text)).toBe(expected);
  });

  it('counts characters, not UTF-16 units, for the length rule', () => {
    expect(strengthOf('🌿🌿🌿🌿🌿🌿🌿')).toBe('too-short');
    expect(strengthOf('🌿🌿🌿🌿🌿🌿🌿', (() => 20) as Estimator)).toBe('too-short');
  });
});
