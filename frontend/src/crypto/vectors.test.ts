// Every vector of every file in shared_schema/vectors, each its own test: the Python reference's
// (fixed keys, positive and negative) and the ts-* files this side made for the Python side.
import { describe, expect, it } from 'vitest';
import { makeEdgeVectors } from '../testing/edgeVectors';
import { vectorFileText } from '../testing/freshVectors';
import { OUTPUTS, parseVectorFile, runVector } from '../testing/vectorRunner';

// Read as raw text so the strict parser (duplicate members refused, 3.0 kept apart from 3) reads
// the files exactly as a client reads the wire.
const files = import.meta.glob<string>('../../../shared_schema/vectors/*.json', {
  query: '?raw',
  import: 'default',
  eager: true,
});

const cases = Object.entries(files)
  .sort(([a], [b]) => a.localeCompare(b))
  .flatMap(([path, text]) => {
    const file = path.slice(path.lastIndexOf('/') + 1);
    const { group, vectors } = parseVectorFile(text);
    return vectors.map((vector) => ({
      file,
      group,
      name: String(vector['name']),
      expect: String(vector['expect']),
      vector,
    }));
  });

describe('shared vectors', () => {
  it('has a reference file for every group the README defines', () => {
    const groups = new Set(cases.filter((c) => !c.file.startsWith('ts-')).map((c) => c.group));
    expect([...groups].sort()).toEqual(Object.keys(OUTPUTS).sort());
  });

  it('has the Ed25519 edge-case file as edgeVectors.ts makes it (run npm run vectors:fresh)', async () => {
    const file = Object.entries(files).find(([path]) => path.endsWith('/ts-ed25519-edge.json'));
    expect(file?.[1]).toBe(vectorFileText(await makeEdgeVectors()));
  });

  it.each(cases)('$file: $name → $expect', async ({ group, vector }) => {
    expect(await runVector(group, vector)).toBeNull();
  });
});
