/**
 * The detail view's editors: tags (added on Enter, removed by their chip) and
 * notes (saved or discarded explicitly, following the store while untouched).
 */
import * as React from 'react';

import { TagChips } from '../components/tagchips';

export function TagsEditor(props: {
  tags: string[];
  onSave: (tags: string[]) => Promise<void>;
}): JSX.Element {
  const [text, setText] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const save = async (tags: string[]) => {
    setBusy(true);
    try {
      await props.onSave(tags);
    } finally {
      setBusy(false);
    }
  };
  const add = () => {
    const tag = text.trim();
    if (tag && !props.tags.includes(tag)) {
      void save([...props.tags, tag]);
    }
    setText('');
  };
  return (
    <div className="jp-nbrun-tags-editor">
      <TagChips
        tags={props.tags}
        what="tag"
        disabled={busy}
        onRemove={tag => void save(props.tags.filter(t => t !== tag))}
      >
        {props.tags.length === 0 && (
          <span className="jp-nbrun-muted">No tags.</span>
        )}
      </TagChips>
      <input
        className="jp-mod-styled jp-nbrun-tag-input"
        placeholder="Add a tag and press Enter"
        value={text}
        disabled={busy}
        onChange={e => setText(e.target.value)}
        onKeyDown={e => {
          if (e.key === 'Enter') {
            add();
          }
        }}
      />
    </div>
  );
}

export function NotesEditor(props: {
  notes: string;
  onSave: (notes: string) => Promise<void>;
}): JSX.Element {
  const [draft, setDraft] = React.useState(props.notes);
  const [dirty, setDirty] = React.useState(false);
  const [busy, setBusy] = React.useState(false);
  // Follow the stored notes unless the user is editing them.
  React.useEffect(() => {
    if (!dirty) {
      setDraft(props.notes);
    }
  }, [props.notes, dirty]);
  return (
    <div className="jp-nbrun-notes-editor">
      <textarea
        className="jp-mod-styled jp-nbrun-notes"
        placeholder="Notes"
        rows={3}
        value={draft}
        onChange={e => {
          setDraft(e.target.value);
          setDirty(true);
        }}
      />
      <div>
        <button
          className="jp-nbrun-button jp-nbrun-save-notes"
          disabled={!dirty || busy}
          onClick={async () => {
            setBusy(true);
            try {
              await props.onSave(draft);
              setDirty(false);
            } finally {
              setBusy(false);
            }
          }}
        >
          Save notes
        </button>
        {dirty && (
          <button
            className="jp-nbrun-button"
            disabled={busy}
            onClick={() => {
              setDraft(props.notes);
              setDirty(false);
            }}
          >
            Discard
          </button>
        )}
      </div>
    </div>
  );
}
