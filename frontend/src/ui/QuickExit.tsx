import { SHIFT_PRESSES_TO_EXIT } from '../safety/shiftTriple';
import { strings } from './strings';

// A function, not a list: the words are read when drawn, after ui/language.ts chose the language.
const shiftMessages = () => ['', strings.leaveShiftTwoMore, strings.leaveShiftOneMore];

interface QuickExitProps {
  onLeave(): void;
  /** Shift presses counted so far, for the cue. */
  shiftPressed: number;
}

/**
 * The quick exit button, on every screen: at the bottom where a thumb rests on a phone, at the
 * top right on a wider screen. Three small lights on it fill as Shift is pressed; a screen
 * reader hears the same through a polite status message.
 */
export function QuickExit({ onLeave, shiftPressed }: QuickExitProps) {
  const lights = Array.from({ length: SHIFT_PRESSES_TO_EXIT }, (_, index) => index < shiftPressed);
  return (
    <aside class="quick-exit" aria-label={strings.leaveRegion}>
      <button type="button" class="quick-exit-button" data-testid="quick-exit" onClick={onLeave}>
        {strings.leaveNow}
        <span class="shift-lights" data-pressed={shiftPressed} aria-hidden="true">
          {lights.map((on, index) => (
            <span key={index} class={on ? 'shift-light on' : 'shift-light'} />
          ))}
        </span>
      </button>
      <p class="visually-hidden" role="status" data-testid="shift-progress">
        {shiftMessages()[shiftPressed] ?? ''}
      </p>
    </aside>
  );
}

interface SkipToLeaveProps {
  href: string;
  onLeave(): void;
}

/**
 * The first thing on every page for a keyboard or a screen reader, hidden until focused. Like
 * GOV.UK's "Exit this page" skip link, it leaves at once rather than moving focus to the button:
 * one action, not two. Its `href` is the same destination, should a script ever fail.
 */
export function SkipToLeave({ href, onLeave }: SkipToLeaveProps) {
  return (
    <a
      class="skip-leave"
      href={href}
      data-testid="skip-leave"
      rel="noreferrer"
      onClick={(event) => {
        event.preventDefault();
        onLeave();
      }}
    >
      {strings.leaveNowSkipLink}
    </a>
  );
}
