import { describe, expect, it } from 'vitest';
import type { Feeling } from '../records';
import { strugglingMembers } from './wellbeing';

const A = 'AAAAAAAAAAAAAAAAAAAAAA';
const B = 'BBBBBBBBBBBBBBBBBBBBBA';
const ME = 'CCCCCCCCCCCCCCCCCCCCCA';
const at = (ms: number, author: string) => `${String(ms).padStart(13, '0')}-0000-${author}`;
const checkIn = (feeling: Feeling, hlc?: string) => ({ ...(hlc === undefined ? {} : { hlc }), body: { feeling } });

describe('who checked in as struggling', () => {
  it('flags a member whose newest check-in says they are struggling or need a break', () => {
    const flagged = strugglingMembers([checkIn('struggling', at(1, A)), checkIn('need-break', at(2, B))], ME);
    expect(flagged).toEqual(
      new Map<string, Feeling>([
        [A, 'struggling'],
        [B, 'need-break'],
      ]),
    );
  });

  it('counts only the newest check-in of each member', () => {
    const later = [checkIn('okay', at(5, A)), checkIn('struggling', at(3, A))];
    expect(strugglingMembers(later, ME).size).toBe(0);
    const worse = [checkIn('okay', at(3, A)), checkIn('struggling', at(5, A))];
    expect(strugglingMembers(worse, ME).get(A)).toBe('struggling');
  });

  it('takes a check-in not sent yet as this device’s newest', () => {
    const mine = [checkIn('okay', at(9, ME)), checkIn('struggling')];
    expect(strugglingMembers(mine, ME).get(ME)).toBe('struggling');
  });

  it('flags nobody who is okay', () => {
    expect(strugglingMembers([checkIn('okay', at(1, A))], ME).size).toBe(0);
  });
});
