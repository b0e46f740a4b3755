/**
 * Compare two or more runs: config (and summary) side by side with the
 * differing rows highlighted, and one metric of every run overlaid on one
 * chart, refreshed while a compared run is running and the view is visible.
 */
import { CommandRegistry } from '@lumino/commands';
import { Poll } from '@lumino/polling';
import * as React from 'react';

import { IHistory, IRunDetail, IRunRef, NbrunAPI, runKey } from './api';
import { ISeries, LineChart, seriesColor } from './chart';
import { ChartControls, DEFAULT_VIEW, IChartView } from './chartcontrols';
import { CommandIDs } from './commands';
import { PolledReactWidget } from './polled';
import { flatten, formatValue, sameValue } from './format';
import { StateBadge } from './sidebar';

const LIVE_INTERVAL = 1500;
const IDLE_INTERVAL = 15 * 1000;

/** The widget of a comparison. */
export class CompareWidget extends PolledReactWidget {
  constructor(options: CompareWidget.IOptions) {
    super();
    this.api = options.api;
    this.refs = options.refs.map(r => ({ store: r.store, id: r.id }));
    this._commands = options.commands;
    this.addClass('jp-nbrun-compare-view');
    this.poll = new Poll({
      name: 'nbrun:compare',
      auto: false,
      factory: () => this._load(),
      frequency: { interval: LIVE_INTERVAL, backoff: true, max: 30 * 1000 },
      standby: 'when-hidden'
    });
  }

  readonly api: NbrunAPI;
  readonly refs: IRunRef[];
  readonly poll: Poll;

  render(): JSX.Element {
    const runs = this.refs
      .map(ref => this._runs.get(runKey(ref)))
      .filter((r): r is IRunDetail => !!r);
    if (runs.length === 0) {
      return (
        <div className="jp-nbrun-detail-body">
          <p className="jp-nbrun-muted">
            {this._error
              ? `Could not load the runs: ${this._error}`
              : 'Loading\u2026'}
          </p>
        </div>
      );
    }
    return (
      <CompareView
        runs={runs}
        metric={this._metric ?? defaultMetric(runs)}
        histories={this._histories}
        missing={this.refs.length - runs.length}
        onMetric={metric => {
          this._metric = metric;
          this._signature = '';
          void this.poll.refresh();
          this.update();
        }}
        onOpenRun={run =>
          void this._commands.execute(CommandIDs.openRun, {
            store: run.store,
            id: run.id
          })
        }
      />
    );
  }

  private async _load(): Promise<void> {
    const results = await Promise.allSettled(
      this.refs.map(ref => this.api.getRun(ref))
    );
    const errors: string[] = [];
    results.forEach((result, i) => {
      const key = runKey(this.refs[i]);
      if (result.status === 'fulfilled') {
        this._runs.set(key, result.value);
      } else {
        this._runs.delete(key);
        errors.push(String(result.reason?.message ?? result.reason));
      }
    });
    this._error = errors.length ? errors.join('; ') : null;
    const runs = Array.from(this._runs.values());
    const metric = this._metric ?? defaultMetric(runs);
    const signature =
      metric +
      '|' +
      runs.map(r => `${runKey(r)}:${r.last_step}:${r.updated_at}`).join('|');
    if (metric && signature !== this._signature) {
      const histories = await Promise.all(
        runs.map(run =>
          run.keys?.includes(metric)
            ? this.api
                .history(run, [metric])
                .catch(() => null as IHistory | null)
            : Promise.resolve(null)
        )
      );
      this._histories = new Map();
      runs.forEach((run, i) => this._histories.set(runKey(run), histories[i]));
      this._signature = signature;
    }
    const live = runs.some(r => r.state === 'running');
    const interval = live ? LIVE_INTERVAL : IDLE_INTERVAL;
    if (this.poll.frequency.interval !== interval) {
      this.poll.frequency = { ...this.poll.frequency, interval };
    }
    this.update();
  }

  private _commands: CommandRegistry;
  private _runs = new Map<string, IRunDetail>();
  private _histories = new Map<string, IHistory | null>();
  private _metric: string | null = null;
  private _signature = '';
  private _error: string | null = null;
}

export namespace CompareWidget {
  export interface IOptions {
    api: NbrunAPI;
    refs: IRunRef[];
    commands: CommandRegistry;
  }
}

/** Keys logged by any of the runs, user keys first. */
export function metricKeys(runs: IRunDetail[]): string[] {
  const keys = new Set<string>();
  for (const run of runs) {
    for (const key of run.keys ?? []) {
      keys.add(key);
    }
  }
  const all = Array.from(keys).sort();
  return [
    ...all.filter(k => !k.startsWith('_')),
    ...all.filter(k => k.startsWith('_'))
  ];
}

/** The first key every run logged, else the first key any run logged. */
function defaultMetric(runs: IRunDetail[]): string {
  const keys = metricKeys(runs);
  const common = keys.find(k => runs.every(r => (r.keys ?? []).includes(k)));
  return common ?? keys[0] ?? '';
}

/** Run labels: the names, with the id where two runs share a name. */
function runLabels(runs: IRunDetail[]): string[] {
  const counts = new Map<string, number>();
  for (const run of runs) {
    counts.set(run.name, (counts.get(run.name) ?? 0) + 1);
  }
  return runs.map(run =>
    (counts.get(run.name) ?? 0) > 1 ? `${run.name} (${run.id})` : run.name
  );
}

interface ICompareProps {
  runs: IRunDetail[];
  metric: string;
  histories: Map<string, IHistory | null>;
  missing: number;
  onMetric: (metric: string) => void;
  onOpenRun: (run: IRunDetail) => void;
}

function CompareView(props: ICompareProps): JSX.Element {
  const { runs, metric, histories } = props;
  const [onlyDiff, setOnlyDiff] = React.useState(false);
  const [view, setView] = React.useState<IChartView>(DEFAULT_VIEW);
  const labels = runLabels(runs);
  const series = React.useMemo<ISeries[]>(
    () =>
      runs.map((run, i) => {
        const data = histories.get(runKey(run))?.keys?.[metric];
        return {
          label: labels[i],
          steps: data?.steps ?? [],
          values: data?.values ?? []
        };
      }),
    [runs, histories, metric, labels.join('\u0000')]
  );
  const keys = metricKeys(runs);
  return (
    <div className="jp-nbrun-detail-body">
      <h1 className="jp-nbrun-detail-name">Comparing {runs.length} runs</h1>
      {props.missing > 0 && (
        <div className="jp-nbrun-error">
          {props.missing} run(s) could not be loaded.
        </div>
      )}
      <section className="jp-nbrun-section">
        <h2>Metric</h2>
        {keys.length === 0 ? (
          <p className="jp-nbrun-muted">None of these runs logged anything.</p>
        ) : (
          <>
            <select
              className="jp-mod-styled jp-nbrun-metric"
              aria-label="Metric"
              value={metric}
              onChange={e => props.onMetric(e.target.value)}
            >
              {keys.map(k => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
            <ChartControls view={view} onChange={setView} />
            <LineChart
              title={metric}
              chartKey={`compare:${metric}`}
              series={series}
              height={260}
              view={view}
            />
          </>
        )}
      </section>
      <section className="jp-nbrun-section">
        <h2>Config</h2>
        <label className="jp-nbrun-only-diff">
          <input
            type="checkbox"
            checked={onlyDiff}
            onChange={e => setOnlyDiff(e.target.checked)}
          />
          Only differences
        </label>
        <DiffTable
          className="jp-nbrun-config-diff"
          runs={runs}
          labels={labels}
          values={runs.map(r => flatten(r.config ?? {}))}
          onlyDiff={onlyDiff}
          onOpenRun={props.onOpenRun}
        />
      </section>
      <section className="jp-nbrun-section">
        <h2>Summary</h2>
        <DiffTable
          className="jp-nbrun-summary-diff"
          runs={runs}
          labels={labels}
          values={runs.map(r => flatten(r.summary ?? {}))}
          onlyDiff={onlyDiff}
          onOpenRun={props.onOpenRun}
        />
      </section>
    </div>
  );
}

function DiffTable(props: {
  className: string;
  runs: IRunDetail[];
  labels: string[];
  values: Record<string, unknown>[];
  onlyDiff: boolean;
  onOpenRun: (run: IRunDetail) => void;
}): JSX.Element {
  const { runs, labels, values } = props;
  const keys = Array.from(new Set(values.flatMap(v => Object.keys(v)))).sort();
  const rows = keys
    .map(key => {
      const cells = values.map(v => (key in v ? v[key] : undefined));
      const differs = cells.some(c => !sameValue(c, cells[0]));
      return { key, cells, differs };
    })
    .filter(row => !props.onlyDiff || row.differs);
  return (
    <div className="jp-nbrun-table-scroll">
      <table className={`jp-nbrun-table jp-nbrun-diff-table ${props.className}`}>
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
