/**
 * The TypeScript peer of the cross-language protocol test (shared_schema/vectors/README.md).
 *
 *   npx tsx scripts/protocol-peer.ts fresh <dir> [--prefix <p>]   positive vectors from fresh keys, <dir>/<p><group>.json
 *   npx tsx scripts/protocol-peer.ts edge <dir> [--prefix <p>]    fixed Ed25519 edge-case vectors, <dir>/<p>ed25519-edge.json
 *   npx tsx scripts/protocol-peer.ts check <dir>                  runs every <dir>/*.json; one JSON line; exit 1 on any failure
 *
 * The logic lives in src/testing (freshVectors.ts, edgeVectors.ts, vectorRunner.ts), shared with the Vitest suite;
 * this file only reads and writes files. It prints no key or plaintext, only names and codes.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEdgeVectors } from '../src/testing/edgeVectors';
import { makeFreshVectors, vectorFileText } from '../src/testing/freshVectors';
import { checkFiles } from '../src/testing/vectorRunner';

const USAGE = 'usage: protocol-peer.ts fresh <dir> [--prefix <p>] | edge <dir> [--prefix <p>] | check <dir>';

async function fresh(dir: string, prefix: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  for (const [group, content] of await makeFreshVectors()) {
    writeFileSync(join(dir, `${prefix}${group}.json`), vectorFileText(content));
  }
  return 0;
}

async function edge(dir: string, prefix: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${prefix}ed25519-edge.json`), vectorFileText(await makeEdgeVectors()));
  return 0;
}

async function check(dir: string): Promise<number> {
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const result = await checkFiles(names.map((name) => [name, readFileSync(join(dir, name), 'utf8')] as const));
  console.log(JSON.stringify(result));
  return result.failed.length > 0 ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, dir, ...rest] = argv;
  if (dir === undefined) {
    console.error(USAGE);
    return 2;
  }
  const make = command === 'fresh' ? fresh : command === 'edge' ? edge : undefined;
  if (make !== undefined && rest.length === 0) return make(dir, '');
  if (make !== undefined && rest.length === 2 && rest[0] === '--prefix') return make(dir, rest[1]!);
  if (command === 'check' && rest.length === 0) return check(dir);
  console.error(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : 'failed');
    process.exit(2);
  },
);
