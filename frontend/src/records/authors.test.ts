import { describe, expect, it } from 'vitest';
import { hlcAuthor, hlcTime, memberNames } from './authors';

describe('reading an hlc', () => {
  it('takes the author whole, also when its b64u holds a dash', () => {
    expect(hlcAuthor('1767225600000-000a-AB-cd_efAAAAAAAAAAAAAAA')).toBe('AB-cd_efAAAAAAAAAAAAAAA');
    expect(hlcTime('1767225600000-000a-AB-cd_efAAAAAAAAAAAAAAA')).toBe(1767225600000);
  });
});

describe('member names', () => {
  it('are the newest member record each member wrote; one never synced is this device’s', () => {
    const record = (id: string, name: string, hlc?: string) => ({
      id,
      kind: 'member' as const,
      body: { name },
      unsynced: hlc === undefined,
      ...(hlc === undefined ? {} : { hlc }),
    });
    const names = memberNames(
      [record('1', 'Old', '1767225600000-0000-a-1'), record('2', 'New', '1767225600001-0000-a-1'), record('3', 'Me')],
      'me',
    );
    expect(Object.fromEntries(names)).toEqual({ 'a-1': 'New', me: 'Me' });
  });
});
