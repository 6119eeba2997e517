import { useEffect, useState } from 'preact/hooks';
import { MIN_WIPE_AFTER } from '../../storage';
import { useSession } from '../appContext';
import { strings } from '../strings';
import { store } from '../vault';

/** The counts a person can choose from; null never erases. The lowest is the storage's own floor. */
const CHOICES: readonly (number | null)[] = [null, MIN_WIPE_AFTER, 10, 20];

/**
 * Erase this device after a number of wrong passphrases in a row, or never (the default). Said
 * plainly: whoever types them, the person too, erases everything here, so a backup or another
 * linked device is what brings the plan back.
 */
export function WipeAfter() {
  const session = useSession();
  const [chosen, setChosen] = useState<number | null | undefined>(undefined);
  const [message, setMessage] = useState('');
  useEffect(() => {
    store.attempts().then(
      (attempts) => setChosen(attempts.wipeAfter),
      () => setChosen(null),
    );
  }, []);
  if (chosen === undefined) return null;
  const save = (event: Event) => {
    event.preventDefault();
    session.setWipeAfter(chosen).then(
      () => setMessage(chosen === null ? strings.wipeAfterOff : strings.wipeAfterOn(chosen)),
      () => setMessage(strings.saveFailed),
    );
  };
  return (
    <form class="panel" aria-labelledby="wipe-after-heading" onSubmit={save}>
      <h2 id="wipe-after-heading">{strings.wipeAfterHeading}</h2>
      <p id="wipe-after-warning">{strings.wipeAfterWarning}</p>
      <label for="wipe-after">{strings.wipeAfterLabel}</label>
      <select
        id="wipe-after"
        aria-describedby="wipe-after-warning"
        value={chosen === null ? 'never' : String(chosen)}
        onChange={(e) => setChosen(e.currentTarget.value === 'never' ? null : Number(e.currentTarget.value))}
      >
        {CHOICES.map((count) => (
          <option key={String(count)} value={count === null ? 'never' : String(count)}>
            {count === null ? strings.wipeAfterNever : strings.wipeAfterCount(count)}
          </option>
        ))}
      </select>
      <button type="submit">{strings.save}</button>
      <p role="status" data-testid="wipe-after-status">
        {message}
      </p>
    </form>
  );
}
