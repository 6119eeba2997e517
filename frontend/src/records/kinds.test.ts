// The lists in kinds.ts are keyed by the generated types, so the compiler already refuses one that
// drifts from src/wire/types.ts; this reads the schema file itself, the source of both.
import { describe, expect, it } from 'vitest';
import { RECORD_BODY_SCHEMA } from '../testing/schemas';
import {
  ALLY_ROLES,
  ALLY_STATUSES,
  CIRCLE_KINDS,
  CIRCLE_PURPOSES,
  FEELINGS,
  PERSONAL_KINDS,
  SYNCED_KINDS,
} from './kinds';

interface Variant {
  readonly description: string;
  readonly properties: Record<string, { const?: string; enum?: string[]; items?: { enum?: string[] } }>;
}
const schema = RECORD_BODY_SCHEMA as { properties: { kind: { enum: string[] } }; oneOf: Variant[] };
const variant = (kind: string): Variant => schema.oneOf.find((v) => v.properties['kind']?.const === kind)!;
const sorted = (values: readonly string[]): string[] => [...values].sort();

describe('the kind lists', () => {
  it('hold every kind of the schema, each once', () => {
    expect(sorted(SYNCED_KINDS)).toEqual(sorted(schema.properties.kind.enum));
    expect(new Set(SYNCED_KINDS).size).toBe(SYNCED_KINDS.length);
  });

  it('keep in a shared circle exactly the kinds the schema says are for one', () => {
    const shared = schema.properties.kind.enum.filter((kind) =>
      variant(kind).description.startsWith('Shared circle only'),
    );
    expect(sorted(CIRCLE_KINDS)).toEqual(sorted(shared));
    expect(PERSONAL_KINDS.some((kind) => (CIRCLE_KINDS as readonly string[]).includes(kind))).toBe(false);
  });

  it.each([
    ['ally roles', ALLY_ROLES, variant('ally').properties['roles']?.items?.enum],
    ['shared ally roles', ALLY_ROLES, variant('shared-ally').properties['roles']?.items?.enum],
    ['ally statuses', ALLY_STATUSES, variant('ally').properties['status']?.enum],
    ['circle purposes', CIRCLE_PURPOSES, variant('circle').properties['purpose']?.enum],
    ['feelings', FEELINGS, variant('checkin').properties['feeling']?.enum],
  ])('hold the %s of the schema', (_what, list, inSchema) => {
    expect(sorted(list)).toEqual(sorted(inSchema ?? []));
  });
});
