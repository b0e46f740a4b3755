/**
 * The compare view's side-by-side table of config (or summary) values: one
 * column per run headed by its colour and name, the rows whose values differ
 * marked, and (by default) only those rows shown.
 */
import * as React from 'react';

import { IRunDetail, runKey } from '../api/api';
import { seriesColor } from '../charts/chart';
import { formatValue, sameValue } from '../components/format';
import { StateBadge } from '../components/statebadge';

/** The keys whose values are not the same in every run. */
export function differingKeys(values: Record<string, unknown>[]): string[] {
  return allKeys(values).filter(key => {
    const cells = values.map(v => (key in v ? v[key] : undefined));
    return cells.some(c => !sameValue(c, cells[0]));
  });
}

/** Every key of any run, sorted. */
export function allKeys(values: Record<string, unknown>[]): string[] {
  return Array.from(new Set(values.flatMap(v => Object.keys(v)))).sort();
}

export function DiffTable(props: {
  className: string;
  runs: IRunDetail[];
  labels: string[];
  values: Record<string, unknown>[];
  onlyDiff: boolean;
  onOpenRun: (run: IRunDetail) => void;
}): JSX.Element {
  const { runs, labels, values } = props;
  const keys = allKeys(values);
  const rows = keys
    .map(key => {
      const cells = values.map(v => (key in v ? v[key] : undefined));
      const differs = cells.some(c => !sameValue(c, cells[0]));
      return { key, cells, differs };
    })
    .filter(row => !props.onlyDiff || row.differs);
  return (
    <div className="jp-nbrun-table-scroll">
      <table
        className={`jp-nbrun-table jp-nbrun-diff-table ${props.className}`}
      >
        <thead>
          <tr>
            <th>Key</th>
            {runs.map((run, i) => (
              <th key={runKey(run)}>
                <span
                  className="jp-nbrun-swatch"
                  style={{ background: seriesColor(i) }}
                />
                <button
                  className="jp-nbrun-link"
                  title={run.id}
                  onClick={() => props.onOpenRun(run)}
                >
                  {labels[i]}
                </button>{' '}
                <StateBadge state={run.state} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={runs.length + 1} className="jp-nbrun-muted">
                {props.onlyDiff ? 'No differences.' : 'Empty.'}
              </td>
            </tr>
          )}
          {rows.map(row => (
            <tr
              key={row.key}
              className={row.differs ? 'jp-nbrun-diff' : undefined}
              data-key={row.key}
            >
              <th scope="row">{row.key}</th>
              {row.cells.map((cell, i) => (
                <td key={i}>
                  {cell === undefined ? (
                    <span className="jp-nbrun-muted">{'\u2014'}</span>
                  ) : (
                    formatValue(cell)
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
