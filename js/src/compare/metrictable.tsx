/**
 * The compare page's metric table: for each charted key and each run, the
 * last value, the smallest and the largest, each with the step it was
 * reached at, over every stored point (the server's `stats`), as MLflow's
 * run page shows them.
 */
import * as React from 'react';

import { IKeyStats, IRunDetail } from '../api/api';
import { seriesColor } from '../charts/chart';
import { ComparisonModel } from './comparemodel';
import { formatValue } from '../components/format';

const COLUMNS: { stat: 'last' | 'min' | 'max'; label: string }[] = [
  { stat: 'last', label: 'Last' },
  { stat: 'min', label: 'Min' },
  { stat: 'max', label: 'Max' }
];

export function MetricTable(props: {
  runs: IRunDetail[];
  labels: string[];
  model: ComparisonModel;
  keys: string[];
}): JSX.Element {
  const { runs, labels, model, keys } = props;
  if (keys.length === 0) {
    return <p className="jp-nbrun-muted">No key charted.</p>;
  }
  return (
    <div className="jp-nbrun-table-scroll">
      <table className="jp-nbrun-table jp-nbrun-metric-table">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Run</th>
            {COLUMNS.map(c => (
              <React.Fragment key={c.stat}>
                <th scope="col" className="jp-nbrun-num">
                  {c.label}
                </th>
                <th scope="col" className="jp-nbrun-num">
                  at step
                </th>
              </React.Fragment>
            ))}
          </tr>
        </thead>
        <tbody>
          {keys.map(key =>
            runs.map((run, i) => (
              <StatRow
                key={`${key}\0${i}`}
                name={key}
                first={i === 0}
                rows={runs.length}
                label={labels[i]}
                index={i}
                stats={model.stats(run, key)}
              />
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

function StatRow(props: {
  name: string;
  first: boolean;
  rows: number;
  label: string;
  index: number;
  stats: IKeyStats | null;
}): JSX.Element {
  const { stats } = props;
  return (
    <tr
      className={`jp-nbrun-stat-row${props.first ? ' jp-mod-first' : ''}`}
      data-key={props.name}
      data-run={props.label}
    >
      {props.first && (
        <th scope="rowgroup" rowSpan={props.rows} className="jp-nbrun-stat-key">
          {props.name}
        </th>
      )}
      <th scope="row" className="jp-nbrun-stat-run">
        <span
          className="jp-nbrun-swatch"
          style={{ background: seriesColor(props.index) }}
        />
        {props.label}
      </th>
      {COLUMNS.map(({ stat }) =>
        stats ? (
          <React.Fragment key={stat}>
            <td
              className={`jp-nbrun-num jp-nbrun-stat-${stat}`}
              data-value={String(stats[stat])}
              title={String(stats[stat])}
            >
              {formatValue(stats[stat])}
            </td>
            <td
              className={`jp-nbrun-num jp-nbrun-stat-${stat}-step`}
              data-value={String(stats[`${stat}_step`])}
            >
              {stats[`${stat}_step`]}
            </td>
          </React.Fragment>
        ) : (
          <React.Fragment key={stat}>
            <td className="jp-nbrun-muted">{'\u2014'}</td>
            <td />
          </React.Fragment>
        )
      )}
    </tr>
  );
}
