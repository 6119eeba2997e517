import { type Clock, systemClock } from './clock';

/** Shift pressed this many times in a row leaves the app. */
export const SHIFT_PRESSES_TO_EXIT = 3;

/**
 * Each press must follow the previous one within this time, or counting starts again.
 * Five seconds between presses, as GOV.UK Frontend's "Exit this page" does: long enough for a
 * person who is shaking or slow on a keyboard, short enough that three stray presses spread
 * over a working session never add up.
 */
export const SHIFT_WINDOW_MS = 5_000;

/** The parts of a KeyboardEvent the counter reads, so it can be driven without a browser. */
export interface KeyInput {
  type: 'keydown' | 'keyup';
  key: string;
  repeat: boolean;
  isComposing: boolean;
  keyCode: number;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

/** Where the key went and what kind of device this looks like. */
export interface KeyContext {
  /** Focus is in something that takes typed text: a text input, a textarea, contenteditable. */
  inTextField: boolean;
  /** The primary pointer is a finger (`(pointer: coarse)`) on a touch screen: an on-screen keyboard is likely. */
  touchFirst: boolean;
}

/**
 * True when the event comes from an input method rather than a physical key: Android's
 * on-screen keyboards send keyCode 229 with key "Unidentified" for almost every tap, and any
 * keyboard sends `isComposing` while it builds a word or a character.
 */
export function isInputMethodEvent(event: KeyInput): boolean {
  return event.isComposing || event.keyCode === 229 || event.key === 'Unidentified' || event.key === 'Process';
}

/**
 * The on-screen keyboard guard. Shift never counts while focus is in a text field on a
 * touch-first device: there, Shift is almost certainly the on-screen keyboard's capitals key
 * (some keyboards do report it as a real Shift), and a person typing "Hello Ana, I'm OK"
 * must not be thrown out of the app. Outside text fields, or on a device whose primary pointer
 * is a mouse or trackpad, Shift×3 works: that is a physical keyboard. The button is the main
 * way to leave on a phone; Shift×3 is the extra for keyboards.
 */
export function shiftMayCount(context: KeyContext): boolean {
  return !(context.inTextField && context.touchFirst);
}

function withOtherModifier(event: KeyInput): boolean {
  return event.ctrlKey || event.altKey || event.metaKey;
}

export interface ShiftTripleOptions {
  /** Presses counted so far (0, 1 or 2): for the subtle cue. 0 means the count was cleared. */
  onProgress(pressed: number): void;
  /** Shift was pressed three times: leave now. */
  onTrigger(): void;
  windowMs?: number;
  clock?: Clock;
}

/**
 * Counts Shift pressed on its own, three times, each within the window of the one before.
 *
 * Contract:
 * - A press counts when Shift is released and nothing else was pressed while it was down, so
 *   Shift used for a capital letter, Shift+Tab, Ctrl+Shift or Alt+Shift (keyboard layout
 *   switches on Windows) never counts. Auto-repeat while Shift is held adds nothing.
 * - Any other key resets the count, and so does the window running out.
 * - Shift ignored by the on-screen keyboard guard (see `shiftMayCount`) resets the count too:
 *   it is typing.
 */
export class ShiftTriple {
  private readonly windowMs: number;
  private readonly clock: Clock;
  private count = 0;
  private lastPressAt = Number.NEGATIVE_INFINITY;
  private shiftDownAlone = false;
  private timer: unknown = null;

  constructor(private readonly options: ShiftTripleOptions) {
    this.windowMs = options.windowMs ?? SHIFT_WINDOW_MS;
    this.clock = options.clock ?? systemClock;
  }

  handle(event: KeyInput, context: KeyContext): void {
    if (event.type === 'keydown') {
      this.keydown(event, context);
    } else {
      this.keyup(event, context);
    }
  }

  /** Forget any presses counted so far. */
  reset(): void {
    this.clearTimer();
    this.lastPressAt = Number.NEGATIVE_INFINITY;
    if (this.count !== 0) {
      this.count = 0;
      this.options.onProgress(0);
    }
  }

  private keydown(event: KeyInput, context: KeyContext): void {
    if (event.key === 'Shift' && !isInputMethodEvent(event)) {
      if (!event.repeat) {
        this.shiftDownAlone = shiftMayCount(context) && !withOtherModifier(event);
      }
      return;
    }
    this.shiftDownAlone = false;
    this.reset();
  }

  private keyup(event: KeyInput, context: KeyContext): void {
    if (event.key !== 'Shift') {
      return;
    }
    const counts = this.shiftDownAlone && shiftMayCount(context) && !withOtherModifier(event);
    this.shiftDownAlone = false;
    if (counts) {
      this.press();
    } else {
      this.reset();
    }
  }

  private press(): void {
    const now = this.clock.now();
    if (now - this.lastPressAt >= this.windowMs) {
      this.count = 0;
    }
    this.count += 1;
    this.lastPressAt = now;
    this.clearTimer();
    if (this.count >= SHIFT_PRESSES_TO_EXIT) {
      this.reset();
      this.options.onTrigger();
      return;
    }
    this.options.onProgress(this.count);
    this.timer = this.clock.setTimeout(() => this.reset(), this.windowMs);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
