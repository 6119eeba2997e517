import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutoLock, DEFAULT_HIDDEN_GRACE_MS, DEFAULT_IDLE_LOCK_MS } from './autoLock';
import type { Clock } from './clock';

const MINUTE = 60_000;

function started(options: { idleMs?: number | null; hiddenGraceMs?: number } = {}) {
  const lock = vi.fn();
  const autoLock = new AutoLock({ lock, ...options });
  autoLock.start();
  return { autoLock, lock };
}

/**
 * A clock whose timers never fire: what a phone does to a page in the background. Only the
 * checks made when the page comes back can lock it.
 */
function frozenTimersClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  return {
    now: () => now,
    setTimeout: () => Symbol('never fires'),
    clearTimeout: () => undefined,
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('auto-lock', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('locks after the idle time with no activity, by default five minutes', () => {
    const { lock } = started();
    vi.advanceTimersByTime(DEFAULT_IDLE_LOCK_MS - 1);
    expect(lock).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('counts the idle time from the last activity', () => {
    const { autoLock, lock } = started({ idleMs: 2 * MINUTE });
    vi.advanceTimersByTime(1.5 * MINUTE);
    autoLock.activity();
    vi.advanceTimersByTime(1.5 * MINUTE);
    expect(lock).not.toHaveBeenCalled();
    vi.advanceTimersByTime(0.5 * MINUTE);
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('never locks for inactivity when the person turned it off', () => {
    const { lock } = started({ idleMs: null });
    vi.advanceTimersByTime(24 * 60 * MINUTE);
    expect(lock).not.toHaveBeenCalled();
  });

  it('locks when hidden for longer than the grace time, by default thirty seconds', () => {
    const { autoLock, lock } = started({ idleMs: null });
    autoLock.hidden();
    vi.advanceTimersByTime(DEFAULT_HIDDEN_GRACE_MS - 1);
    expect(lock).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('does not lock when the app comes back within the grace time', () => {
    const { autoLock, lock } = started({ idleMs: null, hiddenGraceMs: 10_000 });
    autoLock.hidden();
    vi.advanceTimersByTime(9_000);
    autoLock.visible();
    vi.advanceTimersByTime(60_000);
    expect(lock).not.toHaveBeenCalled();
  });

  it('locks as soon as it is hidden when the grace time is zero', () => {
    const { autoLock, lock } = started({ hiddenGraceMs: 0 });
    autoLock.hidden();
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('locks on return when the browser froze its timers while hidden', () => {
    const clock = frozenTimersClock();
    const lock = vi.fn();
    const autoLock = new AutoLock({ lock, clock, idleMs: null, hiddenGraceMs: 30_000 });
    autoLock.start();
    autoLock.hidden();
    clock.advance(10 * MINUTE);
    expect(lock).not.toHaveBeenCalled();
    autoLock.visible();
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('locks on return when the idle time passed while its timers were frozen', () => {
    const clock = frozenTimersClock();
    const lock = vi.fn();
    const autoLock = new AutoLock({ lock, clock, idleMs: 5 * MINUTE, hiddenGraceMs: 30_000 });
    autoLock.start();
    clock.advance(4.9 * MINUTE);
    autoLock.hidden();
    clock.advance(20_000);
    autoLock.visible();
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('locks once, and not again until started', () => {
    const { autoLock, lock } = started({ idleMs: MINUTE, hiddenGraceMs: 1_000 });
    autoLock.hidden();
    vi.advanceTimersByTime(10 * MINUTE);
    autoLock.visible();
    autoLock.hidden();
    vi.advanceTimersByTime(10 * MINUTE);
    expect(lock).toHaveBeenCalledTimes(1);
    expect(autoLock.isArmed).toBe(false);

    autoLock.start();
    vi.advanceTimersByTime(MINUTE);
    expect(lock).toHaveBeenCalledTimes(2);
  });

  it('locks now, and stops its timers', () => {
    const { autoLock, lock } = started({ idleMs: MINUTE });
    autoLock.lockNow();
    vi.advanceTimersByTime(10 * MINUTE);
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('ignores activity and visibility while stopped', () => {
    const { autoLock, lock } = started({ idleMs: MINUTE, hiddenGraceMs: 0 });
    autoLock.stop();
    autoLock.activity();
    autoLock.hidden();
    autoLock.visible();
    vi.advanceTimersByTime(10 * MINUTE);
    expect(lock).not.toHaveBeenCalled();
  });

  it('applies new times from the last activity', () => {
    const { autoLock, lock } = started({ idleMs: 10 * MINUTE });
    vi.advanceTimersByTime(3 * MINUTE);
    autoLock.configure({ idleMs: 4 * MINUTE, hiddenGraceMs: 30_000 });
    vi.advanceTimersByTime(MINUTE - 1);
    expect(lock).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(lock).toHaveBeenCalledTimes(1);
  });
});
