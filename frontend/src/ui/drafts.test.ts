import { describe, expect, it } from 'vitest';
import type { StateStore } from '../storage';
import { keepDraft, readDraft } from './drafts';

/** A vault's state whose writes take a while to land, as a sealed write into IndexedDB does. */
function slowState(): StateStore {
  const kept = new Map<string, unknown>();
  return {
    getState: async (name) => kept.get(name),
    setState: (name, value) =>
      new Promise((resolve) =>
        setTimeout(() => {
          kept.set(name, value);
          resolve();
        }, 20),
      ),
  };
}

describe('drafts', () => {
  it('a form opened while its words are still being kept reads them, not what was there before', async () => {
    const session = slowState();
    const draft = { base: null, value: { text: 'still thinking about' }, recordId: 'r1' };
    void keepDraft(session, 'answer:outside', draft); // the form closes as the screen hides
    expect(await readDraft(session, 'answer:outside')).toEqual(draft); // and opens again at once
  });

  it('forgetting a draft is a keep like any other', async () => {
    const session = slowState();
    await keepDraft(session, 'k', { base: null, value: { text: 'x' }, recordId: 'r1' });
    void keepDraft(session, 'k', null);
    expect(await readDraft(session, 'k')).toBeUndefined();
  });
});
