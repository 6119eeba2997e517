// What a person reads when something goes wrong: every code the app handles has a line of the
// catalogue of its own.
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../crypto/errors';
import { STORAGE_ERROR_CODES, StorageError } from '../storage';
import { failureText } from './failures';
import { failureStrings } from './strings';

const CATALOGUE = new Set<string>(Object.values(failureStrings));

/** Every failure the app can meet, one per code it handles. */
const handled: [string, unknown][] = [
  ...STORAGE_ERROR_CODES.map((code): [string, unknown] => [`storage's ${code}`, new StorageError(code)]),
];

describe('the catalogue of failures', () => {
  it.each(handled)('has a line of its own for %s', (_what, failure) => {
    const text = failureText(failure);
    expect(CATALOGUE).toContain(text);
    expect(text).not.toBe(failureStrings.generic);
  });
});

describe('lines that must keep their promise', () => {
  it('says a wrong passphrase calmly: not "wrong", and nothing typed', () => {
    expect(failureText(new StorageError('wrong_passphrase'))).not.toMatch(/wrong|right/i);
    expect(failureText(new ProtocolError('wrong_passphrase'))).toBe(failureStrings.wrongPassphrase);
  });

  it('says a failure with no code of its own with the line the screen chose', () => {
    expect(failureText(new TypeError('x is undefined'), 'unlockFailed')).toBe(failureStrings.unlockFailed);
    expect(failureText(new RangeError('a device name is 1 to 40 characters'))).toBe(failureStrings.generic);
  });
});
