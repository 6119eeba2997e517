import { useState } from 'preact/hooks';
import { exitUrl as webAddress } from '../../safety/quickExit';
import { strings } from '../strings';

/**
 * For a person whose organisation gave them another server's address. The app syncs only with
 * the server it was opened from (its CSP allows no other), and every server serves the app: so the
 * way to that server is to open the app there. Nothing is sent from here; the person follows a
 * plain link if they choose to.
 */
export function OtherServer() {
  const [address, setAddress] = useState('');
  const url = address.trim() === '' ? null : webAddress(address.trim().includes('://') ? address.trim() : `https://${address.trim()}`);
  const elsewhere = url !== null && url.origin !== location.origin;
  return (
    <details class="other-server">
      <summary>{strings.otherServerSummary}</summary>
      <p>{strings.otherServerHelp}</p>
      <label for="other-server">{strings.otherServerAddress}</label>
      <input id="other-server" type="url" inputMode="url" autocomplete="off" spellcheck={false} value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
      <p aria-live="polite">
        {url !== null && !elsewhere && strings.otherServerSame}
        {elsewhere && (
          <a href={`${url.origin}/`} rel="noreferrer" data-testid="other-server-link">
            {strings.otherServerOpen(url.host)}
          </a>
        )}
      </p>
    </details>
  );
}
