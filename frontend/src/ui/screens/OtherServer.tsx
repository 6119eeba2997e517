import { useState } from 'preact/hooks';
import { exitUrl as webAddress } from '../../safety/quickExit';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The address typed as a server the app can be opened from: https (a bare name is taken as https), or http on this computer. */
function serverAddress(typed: string): URL | null {
  const text = typed.trim();
  if (text === '') return null;
  const url = webAddress(text.includes('://') ? text : `https://${text}`);
  return url !== null && (url.protocol === 'https:' || LOOPBACK.has(url.hostname)) ? url : null;
}

import { strings } from '../strings';

/**
 * For a person whose organisation gave them another server's address. The app syncs only with
 * the server it was opened from (its CSP allows no other), and every server serves the app: so the
 * way to that server is to open the app there. Nothing is sent from here; the person follows a
 * plain link if they choose to.
 */
export function OtherServer() {
  const [address, setAddress] = useState('');
  const url = serverAddress(address);
  const elsewhere = url !== null && url.origin !== location.origin;
  return (
    <details class="other-server">
      <summary>{strings.otherServerSummary}</summary>
      <p>{strings.otherServerHelp}</p>
      <label for="other-server">{strings.otherServerAddress}</label>
      <input
        id="other-server"
        type="text"
        inputMode="url"
        autocomplete="off"
        autocapitalize="none"
        spellcheck={false}
        value={address}
        onInput={(e) => setAddress(e.currentTarget.value)}
      />
      <p>
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
