import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate, OUTPUT } from './wire-types';

describe('src/wire/types.ts', () => {
  it('is what shared_schema/schemas generate (else run npm run gen:wire)', async () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(await generate());
  });
});
