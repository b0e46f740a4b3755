/**
 * The compare page's metric charts, grouped by key prefix (`train/`, `val/`),
 * each group a section that folds; a search over the charted keys and an
 * "Add chart" picker of the keys not charted (that match the search).
 */
import * as React from 'react';

import { IRunDetail } from '../api/api';
import { ISeries, LineChart } from '../charts/chart';
import { IChartView } from '../charts/chartcontrols';
import { ComparisonModel } from './comparemodel';
import { againstStepMetric, sharedStepMetric } from '../charts/stepmetric';
import { groupByPrefix, searchKeys } from './keygroups';

export function ChartGroups(props: {
  runs: IRunDetail[];
  labels: string[];
  model: ComparisonModel;
  /** Every key some run logged. */
  keys: string[];
  view: IChartView;
}): JSX.Element {
  const { runs, labels, model, view } = props;
  const [search, setSearch] = React.useState('');
  const [adding, setAdding] = React.useState('');
  const charted = model.chartKeys;
  const shown = searchKeys(charted, search);
  const addable = searchKeys(
    props.keys.filter(k => !charted.includes(k)),
    search
  );
  const toAdd = addable.includes(adding) ? adding : (addable[0] ?? '');
  // Groups in the order of every charted key: a search does not reorder them.
  const groups = groupByPrefix(charted)
    .map(g => ({ ...g, keys: g.keys.filter(k => shown.includes(k)) }))
    .filter(g => g.keys.length > 0);
  return (
    <>
      <div className="jp-nbrun-chart-finder">
        <input
          type="search"
          className="jp-mod-styled jp-nbrun-chart-search"
          placeholder="Search charts"
          aria-label="Search charts by key"
          value={search}
          onChange={e => setSearch(e.target.value)}
        />
        <label className="jp-nbrun-key-select">
          <span>Chart to add</span>
          <select
            className="jp-mod-styled jp-nbrun-add-chart-key"
            value={toAdd}
            disabled={addable.length === 0}
            onChange={e => setAdding(e.target.value)}
          >
            {addable.map(k => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <button
          className="jp-nbrun-button jp-nbrun-add-chart"
          disabled={!toAdd}
          onClick={() => {
            model.chartKeys = [...charted, toAdd];
            setAdding('');
          }}
        >
          Add chart
        </button>
      </div>
      {shown.length === 0 && (
        <p className="jp-nbrun-muted">
          {charted.length ? 'No chart matches the search.' : 'No key charted.'}
        </p>
      )}
      {groups.map(group => (
        <details
          key={group.prefix}
          className="jp-nbrun-chart-group"
          data-prefix={group.prefix}
          open
        >
          <summary>
            {group.prefix ? `${group.prefix}/` : 'Other keys'}{' '}
            <span className="jp-nbrun-muted">
              ({group.keys.length} chart{group.keys.length === 1 ? '' : 's'})
            </span>
          </summary>
          <div className="jp-nbrun-charts">
            {group.keys.map(key => (
              <div key={key} className="jp-nbrun-chart-cell">
                <button
                  className="jp-nbrun-link jp-nbrun-remove-chart"
                  aria-label={`Remove the chart of ${key}`}
                  title={`Remove the chart of ${key}`}
                  onClick={() =>
                    (model.chartKeys = charted.filter(k => k !== key))
                  }
                >
                  {'\u00d7'}
                </button>
                <CompareChart
                  name={key}
                  runs={runs}
                  labels={labels}
                  model={model}
                  view={view}
                />
              </div>
            ))}
          </div>
        </details>
      ))}
    </>
  );
}

function CompareChart(props: {
  name: string;
  runs: IRunDetail[];
  labels: string[];
  model: ComparisonModel;
  view: IChartView;
}): JSX.Element {
  const { name, runs, labels, model } = props;
  // New series only when the model fetched again: a redraw keeps the zoom.
  // On the step axis, against define_metric's step metric when the runs agree.
  const metric =
    props.view.xAxis === 'step' ? sharedStepMetric(name, runs) : null;
  const series = React.useMemo<ISeries[]>(
    () =>
      runs.map((run, i) => {
        const data = model.series(run, name);
        const own: ISeries = {
          label: labels[i],
          steps: data?.steps ?? [],
          values: data?.values ?? [],
          walls: data?.walls,
          start: run.created_at
        };
        return metric ? againstStepMetric(own, data?.x) : own;
      }),
    [name, model.historyVersion, labels.join('\0'), metric]
  );
  return (
    <LineChart
      title={name}
      chartKey={`compare:${name}`}
      series={series}
      height={260}
      view={props.view}
      xLabel={metric ?? undefined}
      legend={false}
    />
  );
}
