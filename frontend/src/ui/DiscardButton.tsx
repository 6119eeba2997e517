import { useState } from 'preact/hooks';
import { useFocusOnMount } from './focus';
import { strings } from './strings';

interface DiscardButtonProps {
  /** The button's text: "Cancel", "Discard changes"… */
  label: string;
  /** Whether there are words typed and not saved: only then does it ask first. */
  unsaved: boolean;
  onDiscard(): void;
}

/** A button that throws typed words away only after the person says yes; with nothing unsaved it acts at once. */
export function DiscardButton({ label, unsaved, onDiscard }: DiscardButtonProps) {
  const [asking, setAsking] = useState(false);
  if (!asking || !unsaved) {
    return (
      <button type="button" class="secondary" onClick={() => (unsaved ? setAsking(true) : onDiscard())}>
        {label}
      </button>
    );
  }
  return <DiscardQuestion onDiscard={onDiscard} onKeep={() => setAsking(false)} />;
}

function DiscardQuestion({ onDiscard, onKeep }: { onDiscard(): void; onKeep(): void }) {
  const question = useFocusOnMount<HTMLParagraphElement>();
  return (
    <div role="group" aria-label={strings.discardAsk} class="discard-question">
      <p tabIndex={-1} ref={question}>
        {strings.discardAsk}
      </p>
      <button type="button" onClick={onDiscard}>
        {strings.discardYes}
      </button>
      <button type="button" class="secondary" onClick={onKeep}>
        {strings.discardNo}
      </button>
    </div>
  );
}
