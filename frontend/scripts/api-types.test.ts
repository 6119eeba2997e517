import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate, OUTPUT } from './api-types';

describe('src/wire/api.ts', () => {
  it('is what shared_schema/openapi.json generates (else run make api-types)', async () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(await generate());
  });
});
