import { useState } from 'preact/hooks';
import type { DeviceLink, LinkRequest } from '../../sync/engine';
import { ActionError } from '../ActionError';
import { useEngine, useRunningEngine } from '../appContext';
import { useFocusRequest } from '../focus';
import { QrCode } from '../QrCode';
import { strings } from '../strings';
import { useAction } from '../useAction';
import { LinkedDevices } from './LinkedDevices';

/** Link the person's other devices to this plan, or this device to another's. */
export function Devices() {
  const engine = useEngine();
  return (
    <section class="panel" aria-labelledby="devices-heading">
      <h2 id="devices-heading">{strings.devicesHeading}</h2>
      <p>{strings.devicesHelp}</p>
      {engine === null ? (
        <p class="hint">{strings.devicesNeedSync}</p>
      ) : (
        <>
          <LinkedDevices />
          <MakeLink />
          <Requests />
          <Join />
        </>
      )}
    </section>
  );
}

function MakeLink() {
  const engine = useRunningEngine();
  const [link, setLink] = useState<DeviceLink | null>(null);
  const action = useAction();
  return (
    <div>
      <button
        type="button"
        class="secondary"
        disabled={action.busy}
        onClick={() => action.run(async () => setLink(await engine.links.create()))}
      >
        {strings.makeLink}
      </button>
      {link !== null && (
        <div class="device-link">
          <p>{strings.linkMade}</p>
          <p class="link-text" data-testid="device-link">
            {link.link}
          </p>
          <QrCode text={link.link} label={strings.linkQr} />
        </div>
      )}
      <ActionError action={action} />
    </div>
  );
}

function Requests() {
  const engine = useRunningEngine();
  const [requests, setRequests] = useState<LinkRequest[] | null>(null);
  const [message, setMessage] = useState('');
  const action = useAction();
  // An answered request leaves the list with the button that answered it: focus goes back to checking.
  const checkButton = useFocusRequest<HTMLButtonElement>();
  const check = () => action.run(async () => setRequests(await engine.links.pending()));
  const answer = (requestId: string, approve: boolean) =>
    action.run(async () => {
      setMessage('');
      await (approve ? engine.links.approve(requestId) : engine.links.decline(requestId));
      setRequests((list) => list?.filter((r) => r.requestId !== requestId) ?? null);
      setMessage(approve ? strings.approved : strings.linkDeclined);
      checkButton.request();
    });
  return (
    <div>
      <button type="button" class="secondary" ref={checkButton.ref} disabled={action.busy} onClick={check}>
        {strings.checkRequests}
      </button>
      {requests !== null && requests.length === 0 && <p>{strings.noRequests}</p>}
      <ul class="plain">
        {(requests ?? []).map((request) => (
          <li key={request.requestId} data-testid="link-request">
            <p>
              {strings.requestSafety} <strong class="safety-number">{request.safetyNumber}</strong>
            </p>
            <p class="hint">{strings.requestCompare}</p>
            <button type="button" disabled={action.busy} onClick={() => answer(request.requestId, true)}>
              {strings.approve}
            </button>
            <button
              type="button"
              class="secondary"
              disabled={action.busy}
              onClick={() => answer(request.requestId, false)}
            >
              {strings.declineLink}
            </button>
          </li>
        ))}
      </ul>
      <p role="status">{message}</p>
      <ActionError action={action} />
    </div>
  );
}

function Join() {
  const engine = useRunningEngine();
  const [link, setLink] = useState(() => (location.hash.startsWith('#link=') ? location.href : ''));
  const [status, setStatus] = useState('');
  const action = useAction();
  const join = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      await engine.links.join(link.trim(), { onAsked: (asked) => setStatus(strings.joinWaiting(asked.safetyNumber)) });
      // The secret is spent; it should not stay in the address bar or the history.
      if (location.hash !== '') history.replaceState(null, '', location.pathname);
      setStatus(strings.joinDone);
    });
  };
  return (
    <form onSubmit={join} aria-labelledby="join-heading">
      <h3 id="join-heading">{strings.joinHeading}</h3>
      <p class="hint">{strings.joinHelp}</p>
      <label for="join-link">{strings.joinLink}</label>
      <input
        id="join-link"
        type="text"
        autocomplete="off"
        spellcheck={false}
        value={link}
        onInput={(e) => setLink(e.currentTarget.value)}
      />
      <button type="submit" class="secondary" disabled={action.busy || link.trim() === ''}>
        {strings.join}
      </button>
      <p role="status" data-testid="join-status">
        {status}
      </p>
      <ActionError action={action} />
    </form>
  );
}
