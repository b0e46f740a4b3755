/**
 * A run's state as a coloured badge, the same in the runs table, the run
 * detail and the comparison.
 */
import * as React from 'react';

/** A CSS class for a state, whatever text the state holds. */
export function stateClass(state: string): string {
  return `jp-nbrun-state-${String(state)
    .replace(/[^a-z]/gi, '')
    .toLowerCase()}`;
}

/** The state of a run as a coloured badge. */
export function StateBadge(props: { state: string }): JSX.Element {
  return (
    <span className={`jp-nbrun-badge ${stateClass(props.state)}`}>
      {props.state}
    </span>
  );
}
