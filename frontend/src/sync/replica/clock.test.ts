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
    const clock = new Clock(ID, () => 1_000);
    clock.observe('1767225600000-00ff-other');
    expect(clock.tick()).toBe('1767225600000-0100-AAAAAAAAAAAAAAAAAAAAAA');
    clock.observe('garbage');
    clock.observe('0000000000001-0000-older');
    expect(clock.tick()).toBe('1767225600000-0101-AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('moves to the next millisecond when the counter is full', () => {
    const clock = new Clock(ID, () => 0);
    clock.observe('1767225600000-ffff-other');
    expect(clock.tick()).toBe('1767225600001-0000-AAAAAAAAAAAAAAAAAAAAAA');
  });
});
