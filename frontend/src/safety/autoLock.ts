import { type Clock, systemClock } from './clock';

/** Lock after this long with no touch, click, key or scroll. The person can choose another time. */
export const DEFAULT_IDLE_LOCK_MS = 5 * 60_000;

/**
 * Lock when the app has been out of sight (another app, another tab, the screen off) for longer
 * than this. Short enough that a phone picked up from a table is locked; long enough to look up
 * a number in another app and come back without typing the passphrase again.
 */
export const DEFAULT_HIDDEN_GRACE_MS = 30_000;

export interface AutoLockOptions {
  lock(): void;
  /** No activity for this long locks. `null`: never lock for inactivity (only when hidden). */
  idleMs?: number | null;
  /** Hidden for at least this long locks. 0 locks as soon as the app is hidden. */
  hiddenGraceMs?: number;
  clock?: Clock;
}

/**
 * Locks the app when nobody is using it and when it has been out of sight.
 *
 * Contract:
 * - It only acts while armed: `start()` when the app is unlocked, `stop()` when it locks.
 *   It calls `lock` at most once per `start()`.
 * - It never trusts a timer alone: browsers slow or suspend timers in hidden pages and phones
 *   freeze them entirely, so `visible()` checks the clock and locks at once when the app was
 *   hidden past the grace time, or idle past the idle time, while nobody was looking.
 * - Activity is cheap to report (a clock read); the idle timer reschedules itself.
 */
export class AutoLock {
  private readonly clock: Clock;
  private idleMs: number | null;
  private hiddenGraceMs: number;
  private armed = false;
  private lastActivityAt = 0;
  private hiddenAt: number | null = null;
  private idleTimer: unknown = null;
  private hiddenTimer: unknown = null;

  constructor(private readonly options: AutoLockOptions) {
    this.clock = options.clock ?? systemClock;
    this.idleMs = options.idleMs === undefined ? DEFAULT_IDLE_LOCK_MS : options.idleMs;
    this.hiddenGraceMs = options.hiddenGraceMs ?? DEFAULT_HIDDEN_GRACE_MS;
  }

  get isArmed(): boolean {
    return this.armed;
  }

  /** The app was unlocked: start watching. */
  start(): void {
    this.stop();
    this.armed = true;
    this.lastActivityAt = this.clock.now();
    this.scheduleIdle(this.idleMs);
  }

  /** The app is locked (by us or otherwise): stop watching. */
  stop(): void {
    this.armed = false;
    this.hiddenAt = null;
    this.clearTimers();
  }

  /** Change the times; takes effect from now, counting from the last activity. */
  configure(times: { idleMs: number | null; hiddenGraceMs: number }): void {
    this.idleMs = times.idleMs;
    this.hiddenGraceMs = times.hiddenGraceMs;
    if (this.armed) {
      this.clearTimers();
      this.scheduleIdle(this.remainingIdle());
    }
  }

  /** The person touched, clicked, typed or scrolled. */
  activity(): void {
    if (this.armed) {
      this.lastActivityAt = this.clock.now();
    }
  }

  /** The page became hidden. */
  hidden(): void {
    if (!this.armed || this.hiddenAt !== null) {
      return;
    }
    this.hiddenAt = this.clock.now();
    if (this.hiddenGraceMs <= 0) {
      this.lockNow();
      return;
    }
    this.hiddenTimer = this.clock.setTimeout(() => this.lockNow(), this.hiddenGraceMs);
  }

  /** The page is visible again: lock before anything is seen if the app was away too long. */
  visible(): void {
    if (!this.armed) {
      return;
    }
    const now = this.clock.now();
    const hiddenFor = this.hiddenAt === null ? 0 : now - this.hiddenAt;
    this.hiddenAt = null;
    if (this.hiddenTimer !== null) {
      this.clock.clearTimeout(this.hiddenTimer);
      this.hiddenTimer = null;
    }
    if (hiddenFor >= this.hiddenGraceMs || this.remainingIdle() === 0) {
      this.lockNow();
    }
  }

  /** Lock at once: the "Lock now" button, and every automatic lock. */
  lockNow(): void {
    this.stop();
    this.options.lock();
  }

  /** Milliseconds until the idle lock; `null` when idle locking is off. */
  private remainingIdle(): number | null {
    if (this.idleMs === null) {
      return null;
    }
    return Math.max(0, this.idleMs - (this.clock.now() - this.lastActivityAt));
  }

  private scheduleIdle(delay: number | null): void {
    if (delay === null) {
      return;
    }
    this.idleTimer = this.clock.setTimeout(() => {
      this.idleTimer = null;
      const remaining = this.remainingIdle();
      if (remaining === null) {
        return;
      }
      if (remaining === 0) {
        this.lockNow();
      } else {
        this.scheduleIdle(remaining);
      }
    }, delay);
  }

  private clearTimers(): void {
    for (const timer of [this.idleTimer, this.hiddenTimer]) {
      if (timer !== null) {
        this.clock.clearTimeout(timer);
      }
    }
    this.idleTimer = null;
    this.hiddenTimer = null;
  }
}
