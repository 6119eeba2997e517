import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type KeyContext, type KeyInput, SHIFT_WINDOW_MS, ShiftTriple } from './shiftTriple';

const desktop: KeyContext = { inTextField: false, touchFirst: false };
const desktopTyping: KeyContext = { inTextField: true, touchFirst: false };
const phoneTyping: KeyContext = { inTextField: true, touchFirst: true };
const phoneNotTyping: KeyContext = { inTextField: false, touchFirst: true };

function key(type: KeyInput['type'], name: string, extra: Partial<KeyInput> = {}): KeyInput {
  return {
    type,
    key: name,
    repeat: false,
    isComposing: false,
    keyCode: name === 'Shift' ? 16 : 65,
    ctrlKey: false,
    altKey: false,
    metaKey: false,
    ...extra,
  };
}

function setup() {
  const progress: number[] = [];
  const onTrigger = vi.fn();
  const counter = new ShiftTriple({ onProgress: (n) => progress.push(n), onTrigger });
  const shift = (context: KeyContext = desktop) => {
    counter.handle(key('keydown', 'Shift'), context);
    counter.handle(key('keyup', 'Shift'), context);
  };
  const press = (name: string, context: KeyContext = desktop, extra: Partial<KeyInput> = {}) => {
    counter.handle(key('keydown', name, extra), context);
    counter.handle(key('keyup', name, extra), context);
  };
  return { counter, progress, onTrigger, shift, press };
}

describe('Shift pressed three times', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves on the third press and reports 1 and 2 on the way', () => {
    const { progress, onTrigger, shift } = setup();
    shift();
    shift();
    expect(onTrigger).not.toHaveBeenCalled();
    expect(progress).toEqual([1, 2]);
    shift();
    expect(onTrigger).toHaveBeenCalledTimes(1);
  });

  it('gives each press the full window after the one before', () => {
    const { onTrigger, shift } = setup();
    shift();
    vi.advanceTimersByTime(SHIFT_WINDOW_MS - 1);
    shift();
    vi.advanceTimersByTime(SHIFT_WINDOW_MS - 1);
    shift();
    expect(onTrigger).toHaveBeenCalledTimes(1);
  });

  it('starts again when a press comes after the window, and clears the cue when it runs out', () => {
    const { progress, onTrigger, shift } = setup();
    shift();
    shift();
    vi.advanceTimersByTime(SHIFT_WINDOW_MS);
    expect(progress).toEqual([1, 2, 0]);
    shift();
    shift();
    expect(onTrigger).not.toHaveBeenCalled();
    shift();
    expect(onTrigger).toHaveBeenCalledTimes(1);
  });

  it('resets on any other key', () => {
    const { progress, onTrigger, shift, press } = setup();
    shift();
    shift();
    press('a');
    shift();
    expect(onTrigger).not.toHaveBeenCalled();
    expect(progress).toEqual([1, 2, 0, 1]);
  });

  it('does not count Shift used for a capital letter or Shift+Tab', () => {
    const { onTrigger, counter } = setup();
    for (const other of ['A', 'Tab', 'B']) {
      counter.handle(key('keydown', 'Shift'), desktop);
      counter.handle(key('keydown', other), desktop);
      counter.handle(key('keyup', other), desktop);
      counter.handle(key('keyup', 'Shift'), desktop);
    }
    expect(onTrigger).not.toHaveBeenCalled();
  });

  it('does not count Ctrl+Shift or Alt+Shift, which switch keyboard layouts', () => {
    const { onTrigger, counter } = setup();
    for (let i = 0; i < 3; i += 1) {
      counter.handle(key('keydown', 'Control', { ctrlKey: true }), desktop);
      counter.handle(key('keydown', 'Shift', { ctrlKey: true }), desktop);
      counter.handle(key('keyup', 'Shift', { ctrlKey: true }), desktop);
      counter.handle(key('keyup', 'Control'), desktop);
      counter.handle(key('keydown', 'Alt', { altKey: true }), desktop);
      counter.handle(key('keydown', 'Shift', { altKey: true }), desktop);
      counter.handle(key('keyup', 'Alt'), desktop);
      counter.handle(key('keyup', 'Shift'), desktop);
    }
    expect(onTrigger).not.toHaveBeenCalled();
  });

  it('counts a held Shift once, however long the auto-repeat', () => {
    const { progress, counter } = setup();
    counter.handle(key('keydown', 'Shift'), desktop);
    for (let i = 0; i < 10; i += 1) {
      counter.handle(key('keydown', 'Shift', { repeat: true }), desktop);
    }
    counter.handle(key('keyup', 'Shift'), desktop);
    expect(progress).toEqual([1]);
  });

  it('does not count a release whose press it never saw', () => {
    const { progress, counter } = setup();
    counter.handle(key('keyup', 'Shift'), desktop);
    expect(progress).toEqual([]);
  });

  it('ignores Shift in a text field on a touch-first device, and that typing resets the count', () => {
    const { onTrigger, progress, shift } = setup();
    shift(phoneNotTyping);
    shift(phoneTyping);
    shift(phoneTyping);
    shift(phoneTyping);
    expect(onTrigger).not.toHaveBeenCalled();
    expect(progress).toEqual([1, 0]);
  });

  it('still works on a touch-first device outside text fields (a keyboard is attached)', () => {
    const { onTrigger, shift } = setup();
    shift(phoneNotTyping);
    shift(phoneNotTyping);
    shift(phoneNotTyping);
    expect(onTrigger).toHaveBeenCalledTimes(1);
  });

  it('still works in a text field on a computer', () => {
    const { onTrigger, shift } = setup();
    shift(desktopTyping);
    shift(desktopTyping);
    shift(desktopTyping);
    expect(onTrigger).toHaveBeenCalledTimes(1);
  });

  it('treats input-method events (keyCode 229, "Unidentified", composing) as typing', () => {
    const { onTrigger, shift, press } = setup();
    shift();
    shift();
    press('Unidentified', desktop, { keyCode: 229 });
    shift();
    expect(onTrigger).not.toHaveBeenCalled();

    const second = setup();
    second.shift();
    second.shift();
    second.press('Shift', desktop, { isComposing: true });
    expect(second.onTrigger).not.toHaveBeenCalled();
    expect(second.progress).toEqual([1, 2, 0]);
  });

  it('starts from zero after leaving', () => {
    const { onTrigger, shift } = setup();
    for (let i = 0; i < 5; i += 1) {
      shift();
    }
    expect(onTrigger).toHaveBeenCalledTimes(1);
  });
});
