import { useEffect, useRef, useState } from 'preact/hooks';
import { dayOf, MAX_DEVICE_NAME } from '../../sync/devices/linked';
import type { LinkedDevice } from '../../sync/engine';
import { ActionError } from '../ActionError';
import { useRunningEngine } from '../appContext';
import { strings } from '../strings';
import { useAction } from '../useAction';

/** The person's devices that share this plan: names, last synced day, rename this one, unlink another. */
export function LinkedDevices() {
  const engine = useRunningEngine();
  const [devices, setDevices] = useState<LinkedDevice[] | null>(null);
  const [message, setMessage] = useState('');
  const action = useAction();
  const heading = useRef<HTMLHeadingElement>(null);
  const load = () => action.run(async () => setDevices(await engine.devices.list()));
  useEffect(() => void load(), [engine]);
  const today = dayOf(Date.now());
  const self = devices?.find((d) => d.thisDevice);
  return (
    <div aria-labelledby="linked-heading" role="group">
      <h3 id="linked-heading" tabIndex={-1} ref={heading}>
        {strings.linkedHeading}
      </h3>
      <ul class="plain">
        {(devices ?? []).map((device) => (
          <li key={device.id} data-testid="linked-device">
            <p>
              <strong>{nameOf(device)}</strong> {device.thisDevice && strings.thisDevice}
            </p>
            <p class="hint">{strings.lastSynced(device.seenOn, today)}</p>
            {!device.thisDevice && (
              <Unlink
                device={device}
                busy={action.busy}
                onUnlink={() =>
                  action.run(async () => {
                    await engine.devices.remove(device.id);
                    setMessage(strings.unlinked(nameOf(device)));
                    setDevices(await engine.devices.list());
                    // Its card is gone: the list's heading keeps the person's place.
                    heading.current?.focus();
                  })
                }
              />
            )}
          </li>
        ))}
      </ul>
      {self !== undefined && (
        <Rename
          current={self.name}
          busy={action.busy}
          onSave={(name) =>
            action.run(async () => {
              await engine.devices.renameThis(name);
              setMessage(strings.deviceNameSaved);
              setDevices(await engine.devices.list());
            })
          }
        />
      )}
      <button type="button" class="secondary" disabled={action.busy} onClick={load}>
        {strings.linkedRefresh}
      </button>
      <p role="status">{message}</p>
      <ActionError action={action} />
    </div>
  );
}

const nameOf = (device: LinkedDevice) => (device.name === '' ? strings.unnamedDevice : device.name);

function Unlink({ device, busy, onUnlink }: { device: LinkedDevice; busy: boolean; onUnlink: () => void }) {
  const [asking, setAsking] = useState(false);
  // Focus follows the question and comes back to the button: a keyboard never falls to the page top.
  const [answered, setAnswered] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const question = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (asking) question.current?.focus();
    else if (answered) button.current?.focus();
  }, [asking, answered]);
  if (!asking) {
    return (
      <button type="button" class="secondary" ref={button} disabled={busy} onClick={() => setAsking(true)}>
        {strings.unlink(nameOf(device))}
      </button>
    );
  }
  const keep = () => {
    setAnswered(true);
    setAsking(false);
  };
  return (
    <div class="confirm" role="group" aria-label={strings.unlink(nameOf(device))}>
      <p tabIndex={-1} ref={question}>
        {strings.unlinkConfirm(nameOf(device))}
      </p>
      <button type="button" class="danger" disabled={busy} onClick={onUnlink}>
        {strings.unlinkYes}
      </button>
      <button type="button" class="secondary" onClick={keep}>
        {strings.unlinkNo}
      </button>
    </div>
  );
}

function Rename({ current, busy, onSave }: { current: string; busy: boolean; onSave: (name: string) => void }) {
  const [name, setName] = useState(current);
  useEffect(() => setName(current), [current]);
  const save = (event: Event) => {
    event.preventDefault();
    onSave(name);
  };
  return (
    <form onSubmit={save}>
      <label for="device-name">{strings.deviceName}</label>
      <p class="hint" id="device-name-help">
        {strings.deviceNameHelp}
      </p>
      <input
        id="device-name"
        type="text"
        autocomplete="off"
        maxLength={MAX_DEVICE_NAME}
        aria-describedby="device-name-help"
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <button type="submit" class="secondary" disabled={busy || name.trim() === '' || name.trim() === current}>
        {strings.saveDeviceName}
      </button>
    </form>
  );
}
