/** What the person does with their own devices through the engine: link one, list them, remove one. */
import { type EngineCore, inPersonal, thenSync } from './core';
import { type LinkedDevice, listDevices, removeDevice, renameThisDevice, thisDeviceOnly } from './devices/linked';
import {
  answerLink,
  createDeviceLink,
  type DeviceLink,
  isJoining,
  type LinkAsked,
  type LinkRequest,
  pendingLinks,
  requestLink,
} from './devices/links';
import { tellRemoved } from './devices/unlinked';
import { SyncError } from './errors';
import { secretOf } from './replica/inviting';
import { readPersonal, removedHere } from './replica/personal';
import { sleep } from './sleep';

/** Linking another of the person's devices to this one's plan. */
export interface DeviceLinks {
  /** A single-use link (`<origin>/#link=…`) another of the person's devices opens to take the same plan. */
  create(): Promise<DeviceLink>;
  /** Devices asking to be linked, proven to hold one of this device's links, each with its safety number. */
  pending(): Promise<LinkRequest[]>;
  /** Admits a device `pending` listed; the person has compared the safety numbers. */
  approve(requestId: string): Promise<void>;
  /** Turns down a device `pending` listed (its safety number did not match, or the person does not know it). */
  decline(requestId: string): Promise<void>;
  /**
   * On a new device: asks to be linked by `link` (the whole link or its secret), calls `onAsked`
   * with the safety number to compare, and resolves once the other device approved and this one
   * verified the circle and synced it. Rejects if declined, or when `signal` aborts (the request
   * stays; a later sync finishes it once approved).
   */
  join(link: string, options?: JoinOptions): Promise<void>;
}

export interface JoinOptions {
  readonly onAsked?: (asked: LinkAsked) => void;
  readonly signal?: AbortSignal;
  /** How often to ask whether the other device approved, ms (default 3 s). */
  readonly pollMs?: number;
}

/** The person's devices that share this plan. */
export interface Devices {
  /** The devices as the server's signed log says now; this device first. */
  list(): Promise<LinkedDevice[]>;
  /** Unlinks another device with a new key: it keeps what it had and gets nothing new. */
  remove(id: string): Promise<void>;
  /** Renames this device, as the person's other devices will show it. */
  renameThis(name: string): Promise<void>;
}

export function deviceLinks(core: EngineCore): DeviceLinks {
  const { store } = core;
  return {
    create: () => inPersonal(core, (api, circle) => createDeviceLink(api, store, circle, core.origin(), core.now())),
    pending: () => inPersonal(core, (api, circle) => pendingLinks(api, store, circle, core.now())),
    async approve(requestId) {
      await inPersonal(core, (api, circle) => answerLink(api, store, circle, requestId, true, core.now()));
      await core.syncNow();
    },
    decline: (requestId) =>
      inPersonal(core, (api, circle) => answerLink(api, store, circle, requestId, false, core.now())),
    async join(link, options = {}) {
      const secret = secretOf(link, 'link');
      const asked = await core.serial(async () => {
        if ((await readPersonal(store))?.created === true) throw new SyncError('has_own_plan');
        return requestLink(await core.api(), store, secret, core.now());
      });
      options.onAsked?.(asked);
      for (;;) {
        const status = await core.syncNow();
        if (status.state === 'error') throw new SyncError(status.reason ?? 'sync_failed');
        if (status.state === 'up-to-date' && !(await core.serial(() => isJoining(store)))) return;
        await sleep(options.pollMs ?? 3_000, options.signal);
      }
    },
  };
}

export function devices(core: EngineCore): Devices {
  const { store } = core;
  return {
    list: () =>
      core.serial(async () => {
        // Nothing synced yet (perhaps about to be linked to another device's plan): only this one,
        // and no circle is made at the server just to look.
        if (!(await core.hasPersonal())) return [await thisDeviceOnly(store, core.now().getTime(), core.deviceName)];
        const circle = await core.personal(await core.api());
        return removedHere(() => listDevices(circle, store));
      }),
    remove: (id) =>
      thenSync(core, async () => {
        const api = await core.api();
        const circle = await core.personal(api);
        await removedHere(() => removeDevice(circle, store, id));
        // Signed here, so the removed device wipes itself the next time it reaches the server (§17).
        await tellRemoved(api, store.deviceKeys, circle, id);
      }),
    renameThis: (name) => thenSync(core, () => renameThisDevice(store, name, core.now().getTime())),
  };
}
