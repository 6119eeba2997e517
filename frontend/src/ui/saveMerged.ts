import type { JsonObject } from '../crypto/json';
import { merge, type RecordBodies } from '../records';
import type { Session } from '../storage';

type EditableKind = 'plan' | 'ally' | 'note';

/**
 * Saves a form's edit without undoing what another device changed while the form was open.
 *
 * Contract: `original` is the body the form started from (null for a new record). Fields the
 * person did not touch keep the stored value, whatever it is now; a field both changed takes the
 * person's words and keeps the other device's in `_conflicts` (the protocol's merge rules,
 * PROTOCOL §7). `circle` names the shared circle a record of one belongs to. Resolves once the
 * record and its outbox entry are written.
 */
export async function saveMerged<K extends EditableKind>(
  session: Session,
  kind: K,
  id: string,
  original: RecordBodies[K] | null,
  edited: RecordBodies[K],
  circle?: string,
): Promise<void> {
  const latest = await session.get(kind, id);
  let body = edited;
  if (latest !== undefined && original !== null) {
    const merged = merge(
      original as unknown as JsonObject,
      edited as unknown as JsonObject,
      latest.body as unknown as JsonObject,
      true,
    );
    if (merged !== null) body = merged as unknown as RecordBodies[K];
  }
  await session.put(kind, id, body, circle);
}

/** The person has looked at the other versions: the record keeps its current values without them. */
export async function dismissConflicts(
  session: Session,
  kind: EditableKind,
  id: string,
  circle?: string,
): Promise<void> {
  const latest = await session.get(kind, id);
  if (latest?.body._conflicts === undefined) return;
  const { _conflicts: _looked, ...body } = latest.body;
  await session.put(kind, id, body as RecordBodies[typeof kind], circle);
}
