import { useState } from 'preact/hooks';
import type { CirclePurpose } from '../../records';
import { ActionError } from '../ActionError';
import { useRunningEngine } from '../appContext';
import { ChoiceGroup, type ChoiceOption } from '../Choice';
import { strings } from '../strings';
import { useAction } from '../useAction';

const PURPOSES: readonly ChoiceOption<CirclePurpose>[] = Object.entries(strings.purposes).map(([value, label]) => ({
  value: value as CirclePurpose,
  label,
}));

/** A form to start a circle, with this device as its admin. */
export function StartCircle({ onStarted }: { onStarted(id: string): void }) {
  const engine = useRunningEngine();
  const [name, setName] = useState('');
  const [purpose, setPurpose] = useState<CirclePurpose>('supports-me');
  const [myName, setMyName] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    action.run(async () =>
      onStarted(await engine.circles.start({ name: name.trim(), purpose, myName: myName.trim() })),
    );
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="start-circle-heading">
      <h2 id="start-circle-heading">{strings.startCircleHeading}</h2>
      <p class="hint">{strings.startCircleHelp}</p>
      <label for="circle-name">{strings.circleName}</label>
      <input
        id="circle-name"
        type="text"
        required
        maxLength={80}
        value={name}
        aria-describedby="circle-name-hint"
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <p class="hint" id="circle-name-hint">
        {strings.circleNameHint}
      </p>
      <ChoiceGroup
        legend={strings.circlePurpose}
        type="radio"
        idPrefix="purpose"
        name="purpose"
        options={PURPOSES}
        chosen={(p) => purpose === p}
        onChoose={(p) => setPurpose(p)}
      />
      <label for="my-circle-name">{strings.myNameInCircle}</label>
      <input
        id="my-circle-name"
        type="text"
        required
        maxLength={60}
        value={myName}
        aria-describedby="my-circle-name-hint"
        onInput={(e) => setMyName(e.currentTarget.value)}
      />
      <p class="hint" id="my-circle-name-hint">
        {strings.myNameHint}
      </p>
      <button type="submit" disabled={action.busy || name.trim() === '' || myName.trim() === ''}>
        {strings.startCircle}
      </button>
      <ActionError action={action} />
    </form>
  );
}
