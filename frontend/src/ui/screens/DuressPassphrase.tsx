import { useEffect, useState } from 'preact/hooks';
import type { DuressAction } from '../../crypto/duress';
import { useSession } from '../appContext';
import { Choice } from '../Choice';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { PassphraseFields } from './PassphraseFields';

const ACTIONS: readonly { action: DuressAction; label: string; hint: string }[] = [
  { action: 'decoy', label: strings.duressDecoy, hint: strings.duressDecoyHint },
  { action: 'wipe', label: strings.duressWipe, hint: strings.duressWipeHint },
];

type Shown = { set: false; changed?: true } | { set: true; action: DuressAction };

/**
 * The second passphrase someone can be made to type (PROTOCOL §5 "Duress wrap"): it opens a
 * separate, plain space or erases this device. Said plainly what it hides and what it cannot.
 * In the separate space itself this screen shows what a vault without one shows.
 */
export function DuressPassphrase() {
  const session = useSession();
  const [shown, setShown] = useState<Shown | null>(null);
  const [action, setAction] = useState<DuressAction>('decoy');
  const [current, setCurrent] = useState('');
  const [second, setSecond] = useState<string | null>(null);
  // Each change gets new, empty fields: no passphrase stays typed on screen once it is set.
  const [changes, setChanges] = useState(0);
  const [message, setMessage] = useState('');
  const { busy, error, run } = useAction();
  useEffect(() => {
    session.duress().then(setShown, () => setShown({ set: false }));
  }, [session]);
  if (shown === null) return null;

  const done = (next: Shown, said: string) => {
    setShown(next);
    setCurrent('');
    setSecond(null);
    setChanges((n) => n + 1);
    setMessage(said);
  };
  const save = (event: Event) => {
    event.preventDefault();
    if (second === null) return;
    setMessage('');
    run(async () => {
      await session.setDuress(current, second, action);
      done({ set: true, action }, strings.duressSaved);
    });
  };
  const remove = () => {
    setMessage('');
    run(async () => {
      await session.clearDuress(current);
      done({ set: false }, strings.duressRemoved);
    });
  };

  const state = !shown.set
    ? shown.changed === true
      ? strings.duressChanged
      : strings.duressNotSet
    : shown.action === 'decoy'
      ? strings.duressSetDecoy
      : strings.duressSetWipe;
  return (
    <form class="panel" aria-labelledby="duress-heading" onSubmit={save}>
      <h2 id="duress-heading">{strings.duressHeading}</h2>
      <p>{strings.duressIntro}</p>
      <p class="hint">{strings.duressLimits}</p>
      <p data-testid="duress-state">{state}</p>
      <fieldset>
        <legend>{strings.duressDoesLabel}</legend>
        {ACTIONS.map(({ action: value, label, hint }) => (
          <Choice
            key={value}
            id={`duress-${value}`}
            type="radio"
            name="duress-action"
            value={value}
            label={label}
            hint={hint}
            checked={action === value}
            onChange={() => setAction(value)}
          />
        ))}
      </fieldset>
      <label for="duress-current">{strings.currentPassphrase}</label>
      <input
        id="duress-current"
        type="password"
        autocomplete="current-password"
        value={current}
        onInput={(e) => setCurrent(e.currentTarget.value)}
      />
      <PassphraseFields key={changes} id="duress-passphrase" label={strings.duressPassphrase} onChange={setSecond} />
      {shown.set && <p class="hint">{strings.duressReplaces}</p>}
      <button type="submit" class="secondary" disabled={busy || current === '' || second === null}>
        {strings.duressSave}
      </button>
      {shown.set && (
        <button type="button" class="link" disabled={busy || current === ''} onClick={remove}>
          {strings.duressRemove}
        </button>
      )}
      <p role="status" data-testid="duress-status">
        {message}
      </p>
      {error !== '' && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
