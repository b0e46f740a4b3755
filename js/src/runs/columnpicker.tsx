/**
 * The column picker of the runs table: checkboxes for the summary keys and
 * the config keys of the runs shown, with a filter for runs with many keys.
 */
import * as React from 'react';

import { columnName } from './model/columns';
import type { RunListModel } from './model/model';

/** Keys listed before the filter box appears. */
const FILTER_FROM = 8;

export function ColumnPicker(props: { model: RunListModel }): JSX.Element {
  const { model } = props;
  const [filter, setFilter] = React.useState('');
  const chosen = model.columns;
  const keys = model.catalog.keys;
  const of = (kind: 'summary' | 'config', names: string[]) => {
    const prefix = `${kind}.`;
    const all = new Set([
      ...chosen.filter(c => c.startsWith(prefix)),
      ...names.map(name => prefix + name)
    ]);
    return Array.from(all).filter(c =>
      columnName(c).toLowerCase().includes(filter.toLowerCase())
    );
  };
  const sections: [string, string[]][] = [
    ['Summary', of('summary', keys.summary)],
    ['Config', of('config', keys.config)]
  ];
  const count = keys.summary.length + keys.config.length;
  return (
    <div className="jp-nbrun-column-chooser">
      {count > FILTER_FROM && (
        <input
          className="jp-mod-styled jp-nbrun-column-filter"
          placeholder="Filter keys"
          aria-label="Filter keys"
          value={filter}
          onChange={e => setFilter(e.target.value)}
        />
      )}
      {count === 0 && chosen.length === 0 && (
        <div className="jp-nbrun-muted">No summary or config values yet.</div>
      )}
      {sections.map(
        ([title, columns]) =>
          columns.length > 0 && (
            <fieldset
              key={title}
              className={`jp-nbrun-column-section jp-nbrun-columns-${title.toLowerCase()}`}
            >
              <legend>{title}</legend>
              {columns.map(column => (
                <label
                  key={column}
                  className="jp-nbrun-column-option"
                  title={column}
                >
                  <input
                    type="checkbox"
                    checked={chosen.includes(column)}
                    onChange={e =>
                      (model.columns = e.target.checked
                        ? [...chosen, column]
                        : chosen.filter(c => c !== column))
                    }
                  />
                  <span>{columnName(column)}</span>
                </label>
              ))}
            </fieldset>
          )
      )}
      {keys.truncated && (
        <div className="jp-nbrun-muted">
          Only the first keys are listed: filter the runs to see others.
        </div>
      )}
    </div>
  );
}
