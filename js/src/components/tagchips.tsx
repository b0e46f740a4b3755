/**
 * Tags drawn as chips: read-only in a runs table row, removable where they
 * can be edited (the tag filter, a run's tags).
 */
import * as React from 'react';

/** Tags as removable chips; `what` names them in the remove button's title. */
export function TagChips(props: {
  tags: string[];
  what: string;
  disabled?: boolean;
  onRemove: (tag: string) => void;
  children?: React.ReactNode;
}): JSX.Element {
  return (
    <div className="jp-nbrun-chips">
      {props.tags.map(tag => (
        <span key={tag} className="jp-nbrun-chip">
          {tag}
          <button
            className="jp-nbrun-chip-remove"
            title={`Remove the ${props.what} ${tag}`}
            disabled={props.disabled}
            onClick={() => props.onRemove(tag)}
          >
            {'\u00d7'}
          </button>
        </span>
      ))}
      {props.children}
    </div>
  );
}

/** A run's tags as plain labels, in a row of the runs table. */
export function TagLabels(props: { tags: string[] }): JSX.Element {
  return (
    <>
      {props.tags.map(tag => (
        <span key={tag} className="jp-nbrun-tag">
          {tag}
        </span>
      ))}
    </>
  );
}
