// §1's "Member types" table, as PROTOCOL.md gives it, is the one json.ts checks objects with.
import { describe, expect, it } from 'vitest';
import { B64U_LENGTHS, MEMBER_KINDS, type MemberKind, NULLABLE } from './members';

const PROTOCOL = Object.values(
  import.meta.glob<string>('../../../shared_schema/PROTOCOL.md', { query: '?raw', import: 'default', eager: true }),
)[0]!;

/** Member name → [JSON value, b64u length] from the table's rows. */
function specTable(): Map<string, [string, string]> {
  const rows = PROTOCOL.split('\n')
    .filter((line) => line.startsWith('  | `'))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|'),
    );
  return new Map(
    rows.flatMap(([names = '', value = '', length = '']) =>
      [...names.matchAll(/`([a-z_]+)`/g)].map((m) => [m[1]!, [value.trim(), length.trim()]] as const),
    ),
  );
}

const WORDS: Record<MemberKind, string> = {
  b64u16: 'string, b64u',
  b64u32: 'string, b64u',
  b64u: 'string, b64u',
  u32: 'integer, 0 to 2^32 − 1',
  u53: 'integer, 0 to 2^53 − 1',
  integer: 'integer',
  string: 'string',
  time: 'string, a time',
  boolean: '`true` or `false`',
  object: 'object',
};

describe('member types (§1)', () => {
  it('are the table PROTOCOL.md gives, name for name', () => {
    const table = specTable();
    expect([...table.keys()].sort()).toEqual([...MEMBER_KINDS.keys()].sort());
    for (const [name, kind] of MEMBER_KINDS) {
      const [value, length] = table.get(name)!;
      expect(value.startsWith(WORDS[kind]), name).toBe(true);
      expect(value.includes('`null`'), name).toBe(NULLABLE.has(name));
      const bytes = B64U_LENGTHS.get(kind);
      if (!B64U_LENGTHS.has(kind)) expect(length, name).toBe('');
      else if (bytes === undefined) expect(length, name).toMatch(/^checked by/);
      else expect(length, name).toBe(`${bytes} bytes`);
    }
  });
});
