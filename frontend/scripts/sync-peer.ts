/**
 * The TypeScript side of the end-to-end sync test (tests/cross/test_ts_sync.py), against a real
 * server:
 *
 *   npx tsx scripts/sync-peer.ts <server url>
 *
 * Two devices of one person, A and B, each with its own vault, run the app's real sync engine
 * (src/sync/engine.ts) over the real protocol: A writes plan answers, an ally and a setting and
 * syncs; A makes a device link, B asks to join by it, A approves after both safety numbers match;
 * B syncs and must hold exactly A's plan answers and ally (not the setting, which never leaves a
 * device); then both edit the same ally while offline — different fields, then the same field —
 * and sync: every edit must survive, the same-field one as a `_conflicts` entry.
 *
 * Then the Python reference client joins: A prints `LINK <link>`, waits for a proven request and
 * approves it, and prints `RECORDS <json>` with what A holds, for the Python side to compare with
 * what it pulls and opens. Each step prints `STEP <name>`; a failure exits 1 with its reason.
 *
 * Two test adapters for Node, not used by the app: fake-indexeddb stands in for the browser's
 * IndexedDB, and `serverFetch` prefixes the server's URL to the same-origin paths the app calls
 * (the browser resolves them against the page's own origin).
 */
import 'fake-indexeddb/auto';
import { TEST_PARAMETERS } from '../src/crypto/vault';
import type { Ally, PlanAnswer } from '../src/records';
import { LocalStore, newRecordId, type Session } from '../src/storage';
import { type SyncEngine, startSync } from '../src/sync/engine';
import type { Fetch } from '../src/sync/transport/api';

interface Device {
  readonly name: string;
  readonly session: Session;
  readonly engine: SyncEngine;
}

function serverFetch(base: string): Fetch {
  return (input, init) => fetch(base.replace(/\/$/, '') + input, init);
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

function step(name: string): void {
  console.log(`STEP ${name}`);
}

async function device(name: string, base: string): Promise<Device> {
  const store = new LocalStore({ name, params: TEST_PARAMETERS, allowTestParameters: true });
  const { session } = await store.createVault(`passphrase of ${name}`);
  // No window events, no timer and no live stream: this script says when each device syncs.
  const engine = startSync({
    session,
    fetchImpl: serverFetch(base),
    origin: base,
    events: null,
    intervalMs: 0,
    live: false,
  });
  return { name, session, engine };
}

async function synced(device: Device): Promise<void> {
  const status = await device.engine.syncNow();
  check(status.state === 'up-to-date' && status.waiting === 0, `${device.name} synced: ${JSON.stringify(status)}`);
}

/** Everything a device shows, by record id: kind and body. */
async function contents(session: Session): Promise<Record<string, unknown>> {
  const all: Record<string, unknown> = {};
  for (const kind of ['plan', 'ally', 'device', 'settings'] as const) {
    for (const record of await session.list(kind)) all[record.id] = { kind, ...record.body };
  }
  return all;
}

const ALLY: Ally = {
  name: 'Auntie Rosa',
  reach: 'rosa-phone 0711 555 0199',
  roles: ['supports-me'],
  whatTheyKnow: 'knows about the bruises',
  whatIWantThemToKnow: 'the spare key is under the blue pot',
  availability: 'evenings after seven',
  trustNotes: 'never tells my brother anything',
  status: 'ally',
};

function answer(section: string, words: string, allyIds: string[] = []): PlanAnswer {
  return { section, answer: words, shareable: false, allyIds };
}

async function writeAndSync(a: Device): Promise<string> {
  step('a-writes');
  const allyId = newRecordId();
  await a.session.put('ally', allyId, ALLY);
  await a.session.put(
    'plan',
    newRecordId(),
    answer('safe-places', 'the library on Elm Street opens at nine', [allyId]),
  );
  await a.session.put('plan', newRecordId(), answer('go-bag', 'passport and bank card in the green bag'));
  await a.session.put('settings', newRecordId(), {
    serverUrl: '',
    lockAfterMinutes: 5,
    quickExitUrl: 'https://weather.example',
  });
  await synced(a);
  return allyId;
}

async function link(a: Device, b: Device): Promise<void> {
  step('link-b');
  const { link: text } = await a.engine.links.create();
  check(text.includes('/#link='), 'a device link carries its secret in the fragment');
  let seenByB = '';
  const joined = b.engine.links.join(text, { pollMs: 100, onAsked: (asked) => (seenByB = asked.safetyNumber) });
  const request = await waitForRequest(a);
  check(request.safetyNumber === seenByB, 'both devices show the same safety number');
  await a.engine.links.approve(request.requestId);
  await joined;
  await synced(b);
}

async function waitForRequest(a: Device): Promise<{ requestId: string; safetyNumber: string }> {
  for (let i = 0; i < 300; i++) {
    const [request] = await a.engine.links.pending();
    if (request !== undefined) return request;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no request to be linked arrived');
}

async function sameAsA(a: Device, b: Device): Promise<void> {
  step('b-sees-a');
  const [mine, onB] = [await contents(a.session), await contents(b.session)];
  // Device notes are left out here: B's own may not have reached A yet.
  const planAndAllies = (all: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(all).filter(([, v]) => ['plan', 'ally'].includes((v as { kind: string }).kind)));
  const [shared, theirs] = [planAndAllies(mine), planAndAllies(onB)];
  check(
    JSON.stringify(sortKeys(theirs)) === JSON.stringify(sortKeys(shared)),
    `B holds exactly A's plan and allies: ${JSON.stringify(theirs)}`,
  );
}

async function editDifferentFields(a: Device, b: Device, allyId: string): Promise<void> {
  step('different-fields');
  await a.session.put('ally', allyId, { ...(await body(a, allyId)), reach: 'new number 0711 555 0200' });
  await b.session.put('ally', allyId, { ...(await body(b, allyId)), availability: 'weekends only' });
  await synced(a);
  await synced(b);
  await synced(a);
  for (const device of [a, b]) {
    const ally = await body(device, allyId);
    check(
      ally.reach === 'new number 0711 555 0200' && ally.availability === 'weekends only',
      `${device.name} keeps both edits: ${JSON.stringify(ally)}`,
    );
    check(ally._conflicts === undefined, `${device.name} has no conflict for different fields`);
  }
}

async function editSameField(a: Device, b: Device, allyId: string): Promise<void> {
  step('same-field');
  await a.session.put('ally', allyId, { ...(await body(a, allyId)), trustNotes: 'words written on A' });
  await b.session.put('ally', allyId, { ...(await body(b, allyId)), trustNotes: 'words written on B' });
  await synced(a);
  await synced(b);
  await synced(a);
  const [onA, onB] = [await body(a, allyId), await body(b, allyId)];
  check(
    JSON.stringify(sortKeys(onA)) === JSON.stringify(sortKeys(onB)),
    `A and B agree: ${JSON.stringify([onA, onB])}`,
  );
  const kept = [onA.trustNotes, ...(onA._conflicts ?? []).map((c) => c.value)];
  check(
    kept.includes('words written on A') && kept.includes('words written on B'),
    `no words lost: ${JSON.stringify(onA)}`,
  );
  check(onA._conflicts?.some((c) => c.field === 'trustNotes') === true, 'the losing words are a _conflicts entry');
}

async function linkPython(a: Device): Promise<void> {
  step('link-python');
  const { link: text } = await a.engine.links.create();
  console.log(`LINK ${text}`);
  const request = await waitForRequest(a);
  await a.engine.links.approve(request.requestId);
  await synced(a);
  const shared = Object.entries(await contents(a.session)).filter(
    ([, v]) => (v as { kind: string }).kind !== 'settings',
  );
  console.log(`RECORDS ${JSON.stringify(Object.fromEntries(shared))}`);
}

async function body(device: Device, allyId: string): Promise<Ally> {
  const record = await device.session.get('ally', allyId);
  if (record === undefined) throw new Error(`${device.name} has no ally ${allyId}`);
  return record.body;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}

async function main(base: string | undefined): Promise<number> {
  if (base === undefined) {
    console.error('usage: sync-peer.ts <server url>');
    return 2;
  }
  const a = await device('device-a', base);
  const allyId = await writeAndSync(a);
  const b = await device('device-b', base);
  await link(a, b);
  await sameAsA(a, b);
  await editDifferentFields(a, b, allyId);
  await editSameField(a, b, allyId);
  await linkPython(a);
  a.engine.stop();
  b.engine.stop();
  step('done');
  return 0;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    process.exit(1);
  },
);
