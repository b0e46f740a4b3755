/**
 * The detail view's charts: a key picker with a search (runs may log hundreds
 * of keys), the view options shared by every chart, and one chart per key.
 */
import * as React from 'react';

import { IHistory, IRunDetail } from './api';
import { ISeries, LineChart } from './chart';
import { ChartControls, DEFAULT_VIEW, IChartView } from './chartcontrols';

export function Charts(props: {
  run: IRunDetail;
  history: IHistory | null;
  chartKeys: string[];
  onChartKeys: (keys: string[]) => void;
}): JSX.Element {
  const { run, history, chartKeys } = props;
  const keys = run.keys ?? [];
  const [open, setOpen] = React.useState(false);
  const [search, setSearch] = React.useState('');
  const [view, setView] = React.useState<IChartView>(DEFAULT_VIEW);
  if (keys.length === 0) {
    return <p className="jp-nbrun-muted">Nothing logged yet.</p>;
  }
  const needle = search.trim().toLowerCase();
  const offered = needle
    ? keys.filter(k => k.toLowerCase().includes(needle))
    : keys;
  return (
    <div className="jp-nbrun-charts-section">
      <div className="jp-nbrun-charts-toolbar">
        <button
          className="jp-nbrun-button jp-nbrun-keys-toggle"
          onClick={() => setOpen(!open)}
        >
          Keys ({chartKeys.length} of {keys.length})
        </button>
        <ChartControls view={view} onChange={setView} />
      </div>
      {open && (
        <div className="jp-nbrun-key-picker">
          <input
            className="jp-mod-styled jp-nbrun-key-search"
            type="search"
            placeholder={`Search ${keys.length} keys`}
            aria-label="Search keys"
            value={search}
            onChange={e => setSearch(e.target.value)}
          />
          <div className="jp-nbrun-column-chooser">
            {offered.map(key => (
              <label key={key} className="jp-nbrun-column-option">
                <input
                  type="checkbox"
                  checked={chartKeys.includes(key)}
                  onChange={e =>
                    props.onChartKeys(
                      e.target.checked
                        ? [...chartKeys, key]
                        : chartKeys.filter(k => k !== key)
                    )
                  }
                />
                <span>{key}</span>
              </label>
            ))}
            {offered.length === 0 && (
              <span className="jp-nbrun-muted">No key matches.</span>
            )}
          </div>
        </div>
      )}
      <div className="jp-nbrun-charts">
        {chartKeys.map(key => (
          <HistoryChart key={key} name={key} history={history} view={view} />
        ))}
      </div>
    </div>
  );
}

function HistoryChart(props: {
  name: string;
  history: IHistory | null;
  view: IChartView;
}): JSX.Element {
  const data = props.history?.keys?.[props.name];
  const series = React.useMemo<ISeries[]>(
    () => [
      {
        label: props.name,
        steps: data?.steps ?? [],
        values: data?.values ?? []
      }
    ],
    [data, props.name]
  );
  return (
    <LineChart
      title={props.name}
      chartKey={props.name}
      series={series}
      view={props.view}
    />
  );
}
