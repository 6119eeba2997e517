import { useState } from 'preact/hooks';
import { strings } from './strings';

/** The page each server serves for a possible facilitator (backend/support_circle/explainer.py). */
export const EXPLAINER_PATH = '/about/facilitating';

type Sent = 'idle' | 'copied' | 'shown';

/**
 * "Anyone can facilitate": a short word on who may, and a way to send them the server's explainer
 * page. The phone's own share sheet when it has one; otherwise the link is copied, or shown to copy
 * by hand. The page holds nothing about the person, so it is safe to send to anyone.
 */
export function FacilitatorExplainer() {
  const [sent, setSent] = useState<Sent>('idle');
  const url = `${location.origin}${EXPLAINER_PATH}`;
  const send = async () => {
    if (typeof navigator.share === 'function') {
      try {
        await navigator.share({ title: strings.facilitatorShareTitle, url });
        return;
      } catch (error) {
        // The person closed the share sheet: nothing to do. Anything else falls back to copying.
        if (error instanceof DOMException && error.name === 'AbortError') return;
      }
    }
    try {
      await navigator.clipboard.writeText(url);
      setSent('copied');
    } catch {
      setSent('shown');
    }
  };
  return (
    <section class="panel" aria-labelledby="facilitator-heading">
      <h2 id="facilitator-heading">{strings.facilitatorHeading}</h2>
      <p>{strings.facilitatorText}</p>
      <button type="button" class="secondary" onClick={() => void send()}>
        {strings.facilitatorSend}
      </button>
      <p role="status">{sent === 'copied' ? strings.facilitatorCopied : ''}</p>
      {sent === 'shown' && (
        <p>
          <label for="explainer-link">{strings.facilitatorLinkLabel}</label>
          <input id="explainer-link" type="text" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
        </p>
      )}
      <p class="hint">{strings.facilitatorPageSafe}</p>
    </section>
  );
}
