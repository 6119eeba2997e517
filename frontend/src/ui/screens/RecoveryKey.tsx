import { useState } from 'preact/hooks';
import { strings } from '../strings';

/** The recovery key, shown once after set-up; the person confirms they kept it. */
export function RecoveryKey({ recoveryText, onDone }: { recoveryText: string; onDone(): void }) {
  const [kept, setKept] = useState(false);
  return (
    <>
      <h1>{strings.recoveryHeading}</h1>
      <p>{strings.recoveryHelp}</p>
      <p class="recovery-key" data-testid="recovery-key" translate={false}>
        {recoveryText}
      </p>
      <div class="check">
        <input id="recovery-kept" type="checkbox" checked={kept} onChange={(e) => setKept(e.currentTarget.checked)} />
        <label for="recovery-kept">{strings.recoveryKept}</label>
      </div>
      <button type="button" disabled={!kept} onClick={onDone}>
        {strings.recoveryContinue}
      </button>
    </>
  );
}
