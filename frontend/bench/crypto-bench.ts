/**
 * Browser figures for bench/protocol_browser.py: Argon2id unlock time per parameter set and 1 KB
 * records sealed/opened per second, run by Chromium under the app's own Content-Security-Policy.
 */
import { newEpochKey } from '../src/crypto/circleKeys';
import { generateDeviceKeys } from '../src/crypto/identity';
import { entryHash, makeGenesis, recordAuthors, verifyLog } from '../src/crypto/membership';
import { makeHlc, openRecord, type RecordEnvelope, sealRecord } from '../src/crypto/records';
import { type Argon2Parameters, createVault, unlockWithPassphrase } from '../src/crypto/vault';

const PASSPHRASE = 'a passphrase of ordinary length';

async function unlockMs(params: Argon2Parameters, runs: number): Promise<number[]> {
  const made = await createVault(PASSPHRASE, params);
  const timings: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await unlockWithPassphrase(made.vault, PASSPHRASE);
    timings.push(performance.now() - start);
  }
  return timings;
}

async function recordRates(count: number): Promise<{ seal: number; open: number }> {
  const author = await generateDeviceKeys();
  const circleId = crypto.getRandomValues(new Uint8Array(16));
  const key = newEpochKey();
  const genesis = await makeGenesis(author, circleId, key);
  const state = await verifyLog(circleId, await entryHash(genesis), [genesis]);
  const body = { kind: 'note', text: 'x'.repeat(1000) };
  const sealed: RecordEnvelope[] = [];
  let start = performance.now();
  for (let i = 0; i < count; i++) {
    const ref = { circleId, recordId: crypto.getRandomValues(new Uint8Array(16)), epoch: 0 };
    const revision = {
      changeId: crypto.getRandomValues(new Uint8Array(16)),
      hlc: makeHlc(Date.now(), 0, author.public.deviceId),
      body,
    };
    sealed.push(await sealRecord(author, ref, key, revision));
  }
  const seal = count / ((performance.now() - start) / 1000);
  const keys = new Map([[0, key]]);
  const authors = recordAuthors(state);
  start = performance.now();
  for (const envelope of sealed) await openRecord(envelope, keys, authors);
  return { seal, open: count / ((performance.now() - start) / 1000) };
}

declare global {
  interface Window {
    runCryptoBench(options: { params: Argon2Parameters[]; runs: number; records: number }): Promise<unknown>;
  }
}

window.runCryptoBench = async ({ params, runs, records }) => {
  const unlock = [];
  for (const p of params) unlock.push({ params: p, ms: await unlockMs(p, runs) });
  return { unlock, records: await recordRates(records) };
};

document.getElementById('status')!.textContent = 'ready';
