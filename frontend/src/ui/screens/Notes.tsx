import { useRef, useState } from 'preact/hooks';
import { hlcAuthor, hlcTime, writerOf } from '../../records';
import { type LocalRecord, newRecordId } from '../../storage';
import { useSession } from '../appContext';
import { Conflicts } from '../Conflicts';
import { useFocusOnMount } from '../focus';
import { SaveStatus } from '../SaveStatus';
import { dismissConflicts, saveMerged } from '../saveMerged';
import { strings } from '../strings';
import { useRecords, useSave } from '../useRecords';
import type { CirclePartProps } from './circleParts';
import { nameIn, readableTime } from './circleParts';

type Editing = { kind: 'none' } | { kind: 'new' } | { kind: 'edit'; note: LocalRecord<'note'> };

/**
 * The circle's notes: any member writes and edits. Edits made at the same time on several
 * devices merge (PROTOCOL §7); words that lost a merge stay beside the note until someone has looked.
 */
export function Notes(props: CirclePartProps) {
  const { summary } = props;
  const session = useSession();
  const notes = useRecords('note', summary.id);
  const [editing, setEditing] = useState<Editing>({ kind: 'none' });
  const canWrite = summary.standing === 'member';
  const me = session.deviceId;
  const sorted = [...(notes.items ?? [])].sort((a, b) => (b.hlc ?? '~').localeCompare(a.hlc ?? '~'));
  const heading = useRef<HTMLHeadingElement>(null);
  const done = () => {
    setEditing({ kind: 'none' });
    notes.reload();
    // The form, and the button that had focus, are gone: back to the notes.
    heading.current?.focus();
  };
  return (
    <section class="panel" aria-labelledby="notes-heading">
      <h2 id="notes-heading" ref={heading} tabIndex={-1}>
        {strings.notesHeading}
      </h2>
      {canWrite && editing.kind === 'none' && (
        <button type="button" onClick={() => setEditing({ kind: 'new' })}>
          {strings.newNote}
        </button>
      )}
      {editing.kind !== 'none' && (
        <NoteForm {...props} note={editing.kind === 'edit' ? editing.note : undefined} onDone={done} />
      )}
      {notes.items !== null && sorted.length === 0 && <p>{strings.notesEmpty}</p>}
      <ul class="plain" aria-labelledby="notes-heading">
        {sorted.map((note) => (
          <li key={note.id} class="note" data-testid="note">
            <h3>{note.body.title}</h3>
            <p class="answer-text">{note.body.text}</p>
            <p class="hint">
              {note.hlc === undefined
                ? strings.notYetSent
                : strings.lastChanged(nameIn(summary, writerOf(note, me)), readableTime(hlcTime(note.hlc)))}
            </p>
            {note.body._conflicts !== undefined && (
              <Conflicts
                conflicts={note.body._conflicts}
                heading={strings.noteConflictHeading}
                writer={(hlc) => `${nameIn(summary, hlcAuthor(hlc))}, ${readableTime(hlcTime(hlc))}`}
                {...(canWrite
                  ? { onDone: () => void dismissConflicts(session, 'note', note.id, summary.id).then(notes.reload) }
                  : {})}
              />
            )}
            {canWrite && editing.kind === 'none' && (
              <button
                type="button"
                class="secondary"
                aria-label={`${strings.editNote}: ${note.body.title}`}
                onClick={() => setEditing({ kind: 'edit', note })}
              >
                {strings.editNote}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

interface NoteFormProps extends CirclePartProps {
  note: LocalRecord<'note'> | undefined;
  onDone(): void;
}

function NoteForm({ summary, note, onDone }: NoteFormProps) {
  const session = useSession();
  const [title, setTitle] = useState(note?.body.title ?? '');
  const [text, setText] = useState(note?.body.text ?? '');
  const [confirming, setConfirming] = useState(false);
  const save = useSave();
  const first = useFocusOnMount<HTMLInputElement>();
  // What the form started from: a save merges against it, so words another member wrote while it was open stay.
  const original = useRef(note?.body ?? null);
  const id = useRef(note?.id ?? newRecordId());
  const submit = async (event: Event) => {
    event.preventDefault();
    const ok = await save.run(() =>
      saveMerged(session, 'note', id.current, original.current, { title: title.trim(), text }, summary.id),
    );
    if (ok) onDone();
  };
  const remove = async () => {
    if (note !== undefined && (await save.run(() => session.remove('note', note.id)))) onDone();
  };
  return (
    <form
      onSubmit={(e) => void submit(e)}
      aria-label={note === undefined ? strings.newNote : `${strings.editNote}: ${note.body.title}`}
    >
      <label for="note-title">{strings.noteTitle}</label>
      <input
        id="note-title"
        ref={first}
        type="text"
        required
        maxLength={120}
        value={title}
        onInput={(e) => setTitle(e.currentTarget.value)}
      />
      <label for="note-text">{strings.noteText}</label>
      <textarea id="note-text" rows={6} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <button type="submit" disabled={save.state === 'saving' || title.trim() === ''}>
        {strings.save}
      </button>
      <button type="button" class="secondary" onClick={onDone}>
        {strings.cancel}
      </button>
      {note !== undefined && !confirming && (
        <button type="button" class="secondary" onClick={() => setConfirming(true)}>
          {strings.deleteNote}
        </button>
      )}
      {confirming && (
        <div role="group" aria-label={strings.deleteNote}>
          <p>{strings.deleteNoteConfirm}</p>
          <button type="button" onClick={() => void remove()}>
            {strings.deleteNoteYes}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>
            {strings.cancel}
          </button>
        </div>
      )}
      <SaveStatus state={save.state} />
    </form>
  );
}
