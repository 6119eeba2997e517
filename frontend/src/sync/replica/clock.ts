/**
 * A hybrid logical clock (PROTOCOL §7 hlc): revisions of a record order the same on every device,
 * even when a device's wall clock is behind another's.
 */
import { isAhead } from '../../crypto/placement';
import { makeHlc } from '../../crypto/records';

const MAX_COUNTER = 0xffff;
/** `<13 digits ms>-<4 hex counter>-`: the part of an hlc that orders it. */
const HLC_PREFIX = /^([0-9]{13})-([0-9a-f]{4})-/;

export class Clock {
  #ms = 0;
  #counter = 0;

  /** `now` is the wall clock in ms since the Unix epoch; tests pass their own. */
  constructor(
    private readonly deviceId: Uint8Array,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Moves past an hlc seen on a pulled revision, so this device's next tick sorts after it.
   * Contract: an hlc not of §7's form is ignored (openRecord has already refused such revisions),
   * and so is one more than a day ahead of this device's clock (§7 `clock_ahead`): it would make
   * every later tick of this device win every merge.
   */
  observe(hlc: string): void {
    const match = HLC_PREFIX.exec(hlc);
    if (match === null || this.isAhead(hlc)) return;
    const ms = Number(match[1]);
    const counter = parseInt(match[2] as string, 16);
    if (ms > this.#ms || (ms === this.#ms && counter > this.#counter)) {
      this.#ms = ms;
      this.#counter = counter;
    }
  }

  /** Whether `hlc` is more than a day ahead of this device's wall clock (§7 `clock_ahead`). */
  isAhead(hlc: string): boolean {
    return isAhead(hlc, this.now());
  }

  /** A new hlc later than every one this clock made or observed. */
  tick(): string {
    const now = Math.floor(this.now());
    if (now > this.#ms) {
      this.#ms = now;
      this.#counter = 0;
    } else if (this.#counter < MAX_COUNTER) {
      this.#counter += 1;
    } else {
      this.#ms += 1;
      this.#counter = 0;
    }
    return makeHlc(this.#ms, this.#counter, this.deviceId);
  }
}
