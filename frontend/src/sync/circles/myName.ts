/** How this device shows in a circle: its own `member` record (PROTOCOL §16). */
import { writerOf } from '../../records';
import { type DeviceIdentity, newRecordId, type Records } from '../../storage';

/** Writes this device's name in a circle: its own `member` record, made on first use. */
export async function setMyName(store: DeviceIdentity & Records, circleId: string, name: string): Promise<void> {
  const me = store.deviceId;
  const mine = (await store.list('member', circleId)).find((r) => writerOf(r, me) === me);
  await store.put('member', mine?.id ?? newRecordId(), { name }, circleId);
}
