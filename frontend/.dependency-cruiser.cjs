// The app's import rules, checked by `npm run lint:imports` (part of `npm run lint`, so of
// `make lint` and `make test`): no cycles, layers that point one way, no test tooling in the app.
//
// The layers, top to bottom. A module may import its own folder and any layer below its own,
// never one above:
//
//   main.tsx   the entry: renders the UI
//   ui/        screens and components: work through storage's Session and sync's engine
//   sync/      the sync engine and its features: talks to the server, writes through storage
//   storage/   the vault and the encrypted local store: the only code that touches IndexedDB
//   records/   the documents: body types generated from the schema, their kind lists,
//              validator, merge and authors table; of crypto/ it may use only the JSON helpers
//   crypto/    the protocol's primitives and objects
//   wire/      types generated from shared_schema/ (JSON Schemas and the OpenAPI document)
//
// Beside them, used by the UI alone: plan/ (the guided plan's words), pwa/ (the service worker's
// registration) and safety/ (quick exit, auto-lock). They must work before unlock and hold no
// keys, so they import no state: only records/ and wire/ types.
//
// Inside sync/, the same one direction, top to bottom:
//
//   sync/*.ts           the engine (the queue, the triggers, one sync), its status and the
//                       actions the app calls through it
//   sync/devices/       the person's own devices: links, the device list, recovery, escrow
//   sync/circles/       shared circles: starting, inviting, sharing, leaving
//   sync/replica/       one circle kept in step with the server: its log, records, keys, clock
//   sync/transport/     the HTTP calls, the signed-in connection, the live events
//
// devices/ and circles/ are features beside each other: neither imports the other. Every part
// may use sync/errors.ts, the codes a sync failure is told by.
//
// Test tooling (src/testing/ and every *.test.ts) may import any layer; no app module imports it.
//
// To see the graph by folder: npm run graph; module by module: npx depcruise src --output-type text.

/** Each layer's folder as a path pattern, top to bottom. */
const LAYERS = [
  ['main', '^src/main\\.tsx$'],
  ['ui', '^src/ui/'],
  ['sync', '^src/sync/'],
  ['storage', '^src/storage/'],
  ['records', '^src/records/'],
  ['crypto', '^src/crypto/'],
  ['wire', '^src/wire/'],
];
/** The parts of sync/, top to bottom; features share a rank. */
const SYNC_PARTS = [
  ['sync-engine', '^src/sync/[^/]+\\.ts$'],
  ['sync-features', '^src/sync/(devices|circles)/'],
  ['sync-replica', '^src/sync/replica/'],
  ['sync-transport', '^src/sync/transport/'],
];
const SYNC_ERRORS = '^src/sync/errors\\.ts$';
const UI_HELPERS = '^src/(plan|pwa|safety)/';
const TESTS = '\\.test\\.tsx?$';
const TEST_TOOLING = `^src/testing/|${TESTS}`;

const upward = LAYERS.slice(1).map(([name, path], index) => ({
  name: `layers-${name}`,
  comment: `${name} lies below ${LAYERS.slice(0, index + 1)
    .map(([above]) => above)
    .join(', ')}: it must not import them`,
  severity: 'error',
  from: { path, pathNot: TESTS },
  to: { path: LAYERS.slice(0, index + 1).map(([, above]) => above) },
}));

const syncUpward = SYNC_PARTS.slice(1).map(([name, path], index) => ({
  name: name,
  comment: `${name} lies below ${SYNC_PARTS.slice(0, index + 1)
    .map(([above]) => above)
    .join(', ')} inside sync/: it must not import them`,
  severity: 'error',
  from: { path, pathNot: TESTS },
  to: { path: SYNC_PARTS.slice(0, index + 1).map(([, above]) => above), pathNot: SYNC_ERRORS },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes two modules one: neither can be read, tested or moved alone.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    ...syncUpward,
    {
      name: 'sync-features-apart',
      comment: 'devices/ and circles/ are features beside each other: what both need lives in replica/.',
      severity: 'error',
      from: { path: '^src/sync/(devices|circles)/', pathNot: TESTS },
      to: { path: '^src/sync/(devices|circles)/', pathNot: '^src/sync/$1/' },
    },
    {
      name: 'layers-ui-helpers',
      comment: 'plan/, pwa/ and safety/ serve the UI alone and hold no state: they import only records/ and wire/.',
      severity: 'error',
      from: { path: UI_HELPERS, pathNot: TESTS },
      to: { path: '^src/', pathNot: ['^src/$1/', '^src/records/', '^src/wire/'] },
    },
    {
      name: 'ui-helpers-serve-the-ui',
      comment: 'Only the UI uses plan/, pwa/ and safety/.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/ui/', UI_HELPERS, TEST_TOOLING] },
      to: { path: UI_HELPERS },
    },
    {
      name: 'records-only-json-helpers',
      comment: 'records/ sits beside crypto/: of it, only the JSON helpers (json.ts, encoding.ts).',
      severity: 'error',
      from: { path: '^src/records/', pathNot: TESTS },
      to: { path: '^src/crypto/', pathNot: '^src/crypto/(json|encoding)\\.ts$' },
    },
    {
      name: 'only-storage-touches-indexeddb',
      comment: 'IndexedDB holds only what storage/ sealed; nothing else opens it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/storage/', TEST_TOOLING] },
      to: { path: '^node_modules/idb/' },
    },
    {
      name: 'no-test-tooling-in-the-app',
      comment: 'src/testing/ and the tests are for the test run only; the app never imports them.',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST_TOOLING },
      to: { path: TEST_TOOLING },
    },
    {
      name: 'resolvable',
      comment: 'An import the cruiser cannot resolve would leave an arrow out of every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, pathNot: '^virtual:pwa-register$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // TypeScript 7 has no compiler API for the cruiser to parse with: Babel reads the sources
    // instead (see the file for why it keeps type-only imports), and @swc/core's presence makes
    // the cruiser scan .ts and .tsx files at all.
    babelConfig: { fileName: '.dependency-cruiser.babel.cjs' },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
