import type { CircleSummary } from '../../sync/engine';
import { strings } from '../strings';

/** What every part of a circle's page gets; the session, the engine and the sync version come from appContext. */
export interface CirclePartProps {
  summary: CircleSummary;
  onChanged(): void;
}

/** A circle's name, or a plain placeholder until its `circle` record arrives. */
export function circleName(circle: CircleSummary): string {
  return circle.name === '' ? strings.circleUnnamed : circle.name;
}

/** A member's name as this circle knows it, or a plain placeholder until their name arrives. */
export function nameIn(summary: CircleSummary, deviceId: string): string {
  const name = summary.names[deviceId];
  return name === undefined || name === '' ? strings.unnamedMember : name;
}

/** A moment as the person's own date and time. */
export function readableTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
