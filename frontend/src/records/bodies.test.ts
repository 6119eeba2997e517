import { describe, expect, it } from 'vitest';
import { RECORD_BODY_SCHEMA } from '../testing/schemas';
import { ally, answer } from '../testing/storage';
import { fromWire, toWire } from './bodies';

describe('record bodies on the wire', () => {
  it('carry their kind, and come back as the stored document', () => {
    const wire = toWire('ally', ally());
    expect(wire['kind']).toBe('ally');
    expect(fromWire(wire)).toEqual({ kind: 'ally', body: ally() });
    expect(fromWire(toWire('plan', answer()))).toEqual({ kind: 'plan', body: answer() });
  });

  it('keep conflicts and members a newer app added', () => {
    const body = { ...answer(), _conflicts: [{ field: 'answer', value: 'other words' }], mood: 'calm' };
    expect(fromWire(toWire('plan', body))?.body).toEqual(body);
  });

  it.each([
    ['no kind', { ...answer() }],
    [
      'settings, which never leave a device',
      { kind: 'settings', serverUrl: '', lockAfterMinutes: 5, quickExitUrl: '' },
    ],
    ['an unknown kind', { kind: 'note', text: 'hi' }],
    ['a plan answer without its words', { kind: 'plan', section: 's', shareable: false, allyIds: [] }],
    ['an ally with an unknown role', { ...toWire('ally', ally({})), roles: ['boss'] }],
    ['an ally with an unknown status', { ...toWire('ally', ally({})), status: 'enemy' }],
    ['ally ids that are not strings', { ...toWire('plan', answer()), allyIds: [1] }],
    ['ally ids that are not record ids', { ...toWire('plan', answer()), allyIds: ['Rosa'] }],
    ['a device seen on no day', { kind: 'device', name: 'phone', seenOn: 'yesterday' }],
    [
      'a circle whose well-being members are not device ids',
      { kind: 'circle', name: 'c', purpose: 'other', facilitators: [], wellbeing: ['Rosa'] },
    ],
    [
      'a circle whose well-being members are no list',
      { kind: 'circle', name: 'c', purpose: 'other', facilitators: [], wellbeing: '' },
    ],
    ['conflicts that are not a list of fields', { ...toWire('plan', answer()), _conflicts: 'x' }],
    ['not an object', ['plan']],
  ])('refuse %s', (_what, body) => {
    expect(fromWire(body)).toBeUndefined();
  });

  it('read a circle without well-being members, as an app made before them wrote it', () => {
    const circle = { kind: 'circle', name: 'c', purpose: 'other', facilitators: [] };
    expect(fromWire(circle)?.body).toEqual({ name: 'c', purpose: 'other', facilitators: [] });
  });

  it('accept every example of the shared schema (PROTOCOL §16), as the Python side checks them', () => {
    const schema = RECORD_BODY_SCHEMA as { examples: unknown[] };
    expect(schema.examples.length).toBeGreaterThanOrEqual(3);
    for (const example of schema.examples) expect(fromWire(example), JSON.stringify(example)).toBeDefined();
  });
});
