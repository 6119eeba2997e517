import { useState } from 'preact/hooks';
import { strings } from '../strings';
import { store } from '../vault';

/** Removes everything from this device, after the person types a word to confirm. */
export function Wipe({ onWiped }: { onWiped(): void }) {
  const [word, setWord] = useState('');
  const wipe = async (event: Event) => {
    event.preventDefault();
    if (word.trim().toUpperCase() !== strings.wipeWord) return;
    await store.wipe();
    onWiped();
  };
  return (
    <form class="panel danger" aria-labelledby="wipe-heading" onSubmit={(event) => void wipe(event)}>
      <h2 id="wipe-heading">{strings.wipeHeading}</h2>
      <p>{strings.wipeHelp}</p>
      <label for="wipe-confirm">{strings.wipeConfirm}</label>
      <input
        id="wipe-confirm"
        type="text"
        autocomplete="off"
        value={word}
        onInput={(e) => setWord(e.currentTarget.value)}
      />
      <button type="submit" class="danger" disabled={word.trim().toUpperCase() !== strings.wipeWord}>
        {strings.wipe}
      </button>
    </form>
  );
}
