import { describe, expect, it } from 'vitest';
import { Clock } from './clock';

const ID = new Uint8Array(16);
const ordered = (hlcs: string[]) => [...hlcs].sort();

describe('the hybrid logical clock', () => {
  it('ticks later every time, even when the wall clock stands still or goes back', () => {
    let now = 1_767_225_600_000;
    const clock = new Clock(ID, () => now);
    const ticks = [clock.tick(), clock.tick()];
    now -= 5_000;
    ticks.push(clock.tick());
    expect(ticks).toEqual(ordered(ticks));
    expect(new Set(ticks).size).toBe(3);
    expect(ticks[0]).toBe('1767225600000-0000-AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('ticks after every hlc it observed from another device', () => {
    const clock = new Clock(ID, () => 1_767_225_000_000);
    clock.observe('1767225600000-00ff-other');
    expect(clock.tick()).toBe('1767225600000-0100-AAAAAAAAAAAAAAAAAAAAAA');
    clock.observe('garbage');
    clock.observe('0000000000001-0000-older');
    expect(clock.tick()).toBe('1767225600000-0101-AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('moves to the next millisecond when the counter is full', () => {
    const clock = new Clock(ID, () => 1_767_225_000_000);
    clock.observe('1767225600000-ffff-other');
    expect(clock.tick()).toBe('1767225600001-0000-AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('never moves past an hlc more than a day ahead of its own wall clock (PROTOCOL §7 clock_ahead)', () => {
    const now = 1_767_225_600_000;
    const clock = new Clock(ID, () => now);
    clock.observe(`${now + 86_400_001}-0000-other`);
    expect(clock.isAhead(`${now + 86_400_001}-0000-other`)).toBe(true);
    expect(clock.tick()).toBe('1767225600000-0000-AAAAAAAAAAAAAAAAAAAAAA');
    clock.observe(`${now + 86_400_000}-0000-other`);
    expect(clock.tick()).toBe('1767312000000-0001-AAAAAAAAAAAAAAAAAAAAAA');
  });
});
