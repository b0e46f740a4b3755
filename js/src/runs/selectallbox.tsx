/**
 * The runs table's "select all" checkbox: chooses every run the filters
 * match (not only the rows in view), or lets the selection go; mixed when
 * some of the listed runs are chosen.
 */
import * as React from 'react';

import type { RunListModel } from './model/model';
import { selectAll } from './rangeselect';

/** Most loaded rows looked at to tell whether all are chosen. */
const LOOKED_AT = 1000;

function chosenCount(model: RunListModel): { chosen: number; seen: number } {
  let chosen = 0;
  let seen = 0;
  for (let i = 0; i < Math.min(model.total, LOOKED_AT); i++) {
    const run = model.runAt(i);
    if (run) {
      seen++;
      chosen += model.selection.has(run) ? 1 : 0;
    }
  }
  return { chosen, seen };
}

export function SelectAllBox(props: {
  model: RunListModel;
  /** A stop of the table's roving tabindex (its header row). */
  tabIndex?: number;
  onFocus?: () => void;
}): JSX.Element {
  const { model } = props;
  const box = React.useRef<HTMLInputElement>(null);
  const { chosen, seen } = chosenCount(model);
  const all =
    seen > 0 && chosen === seen && model.selection.runs.length >= model.total;
  const some = !all && model.selection.runs.length > 0;
  React.useEffect(() => {
    if (box.current) {
      box.current.indeterminate = some;
    }
  });
  const n = model.total.toLocaleString();
  return (
    <input
      ref={box}
      type="checkbox"
      className="jp-nbrun-select-all"
      aria-label={
        all ? `Clear the selection` : `Select all ${n} runs the filters match`
      }
      title={
        all ? 'Clear the selection' : `Select all ${n} runs the filters match`
      }
      checked={all}
      tabIndex={props.tabIndex}
      onFocus={props.onFocus}
      disabled={model.total === 0}
      onChange={() => void selectAll(model, !all)}
    />
  );
}
