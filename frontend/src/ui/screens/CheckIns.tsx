import { useState } from 'preact/hooks';
import { type Feeling, hlcTime, writerOf } from '../../records';
import { newRecordId } from '../../storage';
import { useSession } from '../appContext';
import { ChoiceGroup, type ChoiceOption } from '../Choice';
import { SaveStatus } from '../SaveStatus';
import { strings } from '../strings';
import { useRecords, useSave } from '../useRecords';
import type { CirclePartProps } from './circleParts';
import { nameIn, readableTime } from './circleParts';

const FEELINGS: readonly ChoiceOption<Feeling>[] = Object.entries(strings.feelings).map(([value, label]) => ({
  value: value as Feeling,
  label,
}));

/** Check-ins: how each member is doing and what they need, newest first; never where anyone is. */
export function CheckIns(props: CirclePartProps) {
  const { summary } = props;
  const checkIns = useRecords('checkin', summary.id);
  const me = useSession().deviceId;
  const sorted = [...(checkIns.items ?? [])].sort((a, b) => (b.hlc ?? '~').localeCompare(a.hlc ?? '~'));
  return (
    <section class="panel" aria-labelledby="checkins-heading">
      <h2 id="checkins-heading">{strings.checkInsHeading}</h2>
      <p class="hint">{strings.checkInsHelp}</p>
      {summary.standing === 'member' && <CheckInForm {...props} onPosted={checkIns.reload} />}
      {checkIns.items !== null && sorted.length === 0 && <p>{strings.checkInsEmpty}</p>}
      <ul class="plain" aria-labelledby="checkins-heading">
        {sorted.map(({ id, body, hlc }) => (
          <li key={id} class="checkin" data-testid="checkin">
            <p>
              <strong>{strings.feelings[body.feeling]}</strong>
              <span class="hint">
                {' '}
                ·{' '}
                {hlc === undefined
                  ? strings.notYetSent
                  : strings.checkInBy(nameIn(summary, writerOf({ hlc }, me)), readableTime(hlcTime(hlc)))}
              </span>
            </p>
            {body.text !== '' && <p class="answer-text">{body.text}</p>}
            {body.need !== '' && <p class="answer-text">{body.need}</p>}
            {body.speaksFor !== '' && <p>{strings.speaksForLine(nameIn(summary, body.speaksFor))}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function CheckInForm({ summary, onPosted }: CirclePartProps & { onPosted(): void }) {
  const session = useSession();
  const [feeling, setFeeling] = useState<Feeling>('okay');
  const [text, setText] = useState('');
  const [need, setNeed] = useState('');
  const [speaksFor, setSpeaksFor] = useState('');
  const save = useSave();
  const others = summary.members.filter((m) => !m.you);
  const submit = async (event: Event) => {
    event.preventDefault();
    const body = {
      feeling,
      text: text.trim(),
      need: need.trim(),
      speaksFor: feeling === 'need-break' ? speaksFor : '',
    };
    if (await save.run(() => session.put('checkin', newRecordId(), body, summary.id))) {
      setText('');
      setNeed('');
      onPosted();
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={strings.newCheckIn}>
      <ChoiceGroup
        legend={strings.feeling}
        type="radio"
        idPrefix="feeling"
        name="feeling"
        options={FEELINGS}
        chosen={(f) => feeling === f}
        onChoose={(f) => setFeeling(f)}
      />
      {feeling === 'need-break' && (
        <>
          <label for="speaks-for">{strings.speaksFor}</label>
          <select id="speaks-for" value={speaksFor} onChange={(e) => setSpeaksFor(e.currentTarget.value)}>
            <option value="">{strings.speaksForNobody}</option>
            {others.map((m) => (
              <option key={m.deviceId} value={m.deviceId}>
                {m.name === '' ? strings.unnamedMember : m.name}
              </option>
            ))}
          </select>
        </>
      )}
      <label for="checkin-text">{strings.checkInText}</label>
      <textarea id="checkin-text" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <label for="checkin-need">{strings.checkInNeed}</label>
      <textarea id="checkin-need" rows={2} value={need} onInput={(e) => setNeed(e.currentTarget.value)} />
      <button type="submit" disabled={save.state === 'saving'}>
        {strings.postCheckIn}
      </button>
      <SaveStatus state={save.state} />
    </form>
  );
}
