import { useState } from 'preact/hooks';
import { Choice } from '../Choice';
import { strings } from '../strings';

/** The recovery key, shown once after set-up; the person confirms they kept it. */
export function RecoveryKey({ recoveryText, onDone }: { recoveryText: string; onDone(): void }) {
  return (
    <>
      <h1>{strings.recoveryHeading}</h1>
      <p>{strings.recoveryHelp}</p>
      <KeptKey text={recoveryText} name="recovery-key" onDone={onDone} />
    </>
  );
}

/** A recovery key shown once, and the box the person ticks to say they kept it before going on. */
export function KeptKey({ text, name, onDone }: { text: string; name: string; onDone(): void }) {
  const [kept, setKept] = useState(false);
  return (
    <>
      <p class="recovery-key" data-testid={name} translate={false}>
        {text}
      </p>
      <Choice id={`${name}-kept`} label={strings.recoveryKept} checked={kept} onChange={setKept} />
      <button type="button" disabled={!kept} onClick={onDone}>
        {strings.recoveryContinue}
      </button>
    </>
  );
}
