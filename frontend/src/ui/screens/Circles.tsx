import { useEffect, useRef, useState } from 'preact/hooks';
import type { CircleSummary } from '../../sync/engine';
import { useEngine, useSyncVersion } from '../appContext';
import { FacilitatorExplainer } from '../FacilitatorExplainer';
import { strings } from '../strings';
import { useLoaded } from '../useLoaded';
import { Circle } from './Circle';
import { circleName } from './circleParts';
import { JoinCircle } from './JoinCircle';
import { StartCircle } from './StartCircle';

/** The circles the person is in: open one, start one, or join one by an invite link. */
export function Circles() {
  const engine = useEngine();
  const version = useSyncVersion();
  const [open, setOpen] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const cameBack = useRef(false);
  useEffect(() => {
    if (open === null && cameBack.current) heading.current?.focus();
  }, [open]);
  const circles = useLoaded(() => engine?.circles.list() ?? Promise.resolve([]), [engine, version]);
  if (engine === null) {
    return (
      <>
        <h1>{strings.circlesHeading}</h1>
        <p>{strings.circlesIntro}</p>
        <p class="hint">{strings.circlesNeedSync}</p>
      </>
    );
  }
  const shown = circles.value?.find((c) => c.id === open);
  if (shown !== undefined) {
    const back = () => {
      cameBack.current = true;
      setOpen(null);
    };
    return <Circle summary={shown} onBack={back} onChanged={circles.reload} />;
  }
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {strings.circlesHeading}
      </h1>
      <p>{strings.circlesIntro}</p>
      {circles.value !== null && circles.value.length === 0 && <p>{strings.circlesEmpty}</p>}
      <ul class="plain circle-list" aria-label={strings.circlesListLabel}>
        {(circles.value ?? []).map((circle) => (
          <CircleItem key={circle.id} circle={circle} onOpen={() => setOpen(circle.id)} />
        ))}
      </ul>
      <JoinCircle onJoined={circles.reload} />
      <StartCircle
        onStarted={(id) => {
          circles.reload();
          setOpen(id);
        }}
      />
      <FacilitatorExplainer />
    </>
  );
}

function CircleItem({ circle, onOpen }: { circle: CircleSummary; onOpen(): void }) {
  const name = circleName(circle);
  const standing =
    circle.standing !== 'member'
      ? strings.standingRemoved
      : circle.admin
        ? strings.standingAdmin
        : strings.standingMember;
  return (
    <li class="panel" data-testid="circle">
      <h2>{name}</h2>
      <p class="hint">
        {strings.purposes[circle.purpose]} · {standing}
      </p>
      {circle.problem !== undefined && <p class="error">{strings.circleProblem}</p>}
      <button type="button" class="secondary" aria-label={`${strings.circleOpen}: ${name}`} onClick={onOpen}>
        {strings.circleOpen}
      </button>
    </li>
  );
}
