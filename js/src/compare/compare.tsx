/**
 * Compare two to twenty runs, as a view over a {@link ComparisonModel}: the
 * chosen metrics overlaid per key (one colour per run, the same in every chart,
 * table and plot), the config values that differ (all on demand), parallel
 * coordinates and a scatter of config values against a summary metric, and
 * the summaries side by side.
 */
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { IRunDetail, IRunRef, NbrunAPI } from '../api/api';
import { ChartControls } from '../charts/chartcontrols';
import { CommandIDs } from '../ids';
import { ChartGroups } from './chartgroups';
import { orderByUse } from './keyorder';
import { RunLegend } from './legend';
import { MetricTable } from './metrictable';
import { ComparisonModel, MAX_RUNS, metricKeys } from './comparemodel';
import { SavedCharts } from '../charts/savedcharts';
import { KeyChooser } from '../components/keychooser';
import { allKeys, DiffTable, differingKeys } from './difftable';
import { flatten } from '../components/format';
import { CompareMedia } from '../media/comparemedia';
import { IPlotRun, LineColour, ParallelCoordinates } from './parallel';
import { PolledModelView } from '../api/polled';
import { Section } from '../detail/runfacts';
import { Scatter } from './scatter';

/** Most config axes drawn in parallel coordinates. */
const MAX_AXES = 10;

/** The widget of a comparison. */
export class CompareWidget extends PolledModelView<ComparisonModel> {
  constructor(options: CompareWidget.IOptions) {
    super(new ComparisonModel(options));
    this._commands = options.commands;
    this.addClass('jp-nbrun-compare-view');
  }

  get refs(): IRunRef[] {
    return this.model.refs;
  }

  render(): JSX.Element {
    const { model } = this;
    const runs = model.runs;
    if (runs.length === 0) {
      return (
        <div className="jp-nbrun-detail-body">
          <p className="jp-nbrun-muted">
            {model.error
              ? `Could not load the runs: ${model.error}`
              : 'Loading\u2026'}
          </p>
        </div>
      );
    }
    return (
      <CompareView
        runs={runs}
        model={model}
        missing={model.refs.length - runs.length}
        onOpenRun={run =>
          void this._commands.execute(CommandIDs.openRun, {
            store: run.store,
            id: run.id
          })
        }
      />
    );
  }

  private _commands: CommandRegistry;
}

export namespace CompareWidget {
  export interface IOptions {
    api: NbrunAPI;
    refs: IRunRef[];
    commands: CommandRegistry;
    /** Keys the runs list was sorted or filtered on (charted first). */
    used?: string[];
    saved?: SavedCharts;
  }
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

/** Summary keys holding a number in some run: what plots can be drawn against. */
function numericKeys(values: Record<string, unknown>[]): string[] {
  return allKeys(values).filter(key =>
    values.some(v => typeof v[key] === 'number' && isFinite(v[key] as number))
  );
}

function CompareView(props: {
  runs: IRunDetail[];
  model: ComparisonModel;
  missing: number;
  onOpenRun: (run: IRunDetail) => void;
}): JSX.Element {
  const { runs, model } = props;
  const [showAll, setShowAll] = React.useState(false);
  const view = model.view;
  const labels = runLabels(runs);
  const configs = runs.map(r => flatten(r.config ?? {}));
  const summaries = runs.map(r => flatten(r.summary ?? {}));
  const plotRuns: IPlotRun[] = runs.map((run, i) => ({
    label: labels[i],
    index: i,
    values: configs[i]
  }));
  const differing = differingKeys(configs);
  const configKeys = allKeys(configs);
  // The metric the list was sorted or filtered on comes first, then one that
  // tells the runs apart.
  const metrics = orderByUse(numericKeys(summaries), model.used);
  const varying = differingKeys(summaries);
  const firstMetric =
    metrics.find(k => model.used.includes(k)) ??
    metrics.find(k => varying.includes(k)) ??
    metrics[0];
  return (
    <div className="jp-nbrun-detail-body">
      <h1 className="jp-nbrun-detail-name">Comparing {runs.length} runs</h1>
      {model.leftOut > 0 && (
        <p className="jp-nbrun-muted jp-nbrun-left-out">
          Only the first {MAX_RUNS} of the {MAX_RUNS + model.leftOut} selected
          runs are compared.
        </p>
      )}
      {props.missing > 0 && (
        <div className="jp-nbrun-error">
          {props.missing} run(s) could not be loaded.
        </div>
      )}
      <RunLegend labels={labels} smoothed={view.smoothing > 0} />
      <Section title="Metrics">
        <MetricCharts runs={runs} labels={labels} model={model} />
      </Section>
      <Section title="Metric table">
        <MetricTable
          runs={runs}
          labels={labels}
          model={model}
          keys={model.chartKeys}
        />
      </Section>
      {runs.some(r => Object.keys(r.media ?? {}).length > 0) && (
        <Section title="Media">
          <CompareMedia runs={runs} labels={labels} api={model.api} />
        </Section>
      )}
      <Section title="Config">
        <label className="jp-nbrun-show-all">
          <input
            type="checkbox"
            checked={showAll}
            onChange={e => setShowAll(e.target.checked)}
          />
          Show all keys ({configKeys.length}; {differing.length} differ)
        </label>
        <DiffTable
          className="jp-nbrun-config-diff"
          runs={runs}
          labels={labels}
          values={configs}
          onlyDiff={!showAll}
          onOpenRun={props.onOpenRun}
        />
      </Section>
      <Section title="Config against a summary metric">
        {metrics.length === 0 || configKeys.length === 0 ? (
          <p className="jp-nbrun-muted">
            These runs have no numeric summary value or no config to plot.
          </p>
        ) : (
          <ConfigPlots
            runs={plotRuns}
            axes={(differing.length ? differing : configKeys).slice(
              0,
              MAX_AXES
            )}
            configKeys={configKeys}
            differing={differing}
            metrics={metrics}
            firstMetric={firstMetric}
            summaries={summaries}
          />
        )}
      </Section>
      <Section title="Summary">
        <DiffTable
          className="jp-nbrun-summary-diff"
          runs={runs}
          labels={labels}
          values={summaries}
          onlyDiff={false}
          onOpenRun={props.onOpenRun}
        />
      </Section>
    </div>
  );
}

/** The chart toolbar, then the charts grouped by prefix. */
function MetricCharts(props: {
  runs: IRunDetail[];
  labels: string[];
  model: ComparisonModel;
}): JSX.Element {
  const { runs, labels, model } = props;
  const view = model.view;
  const keys = metricKeys(runs);
  if (keys.length === 0) {
    return (
      <p className="jp-nbrun-muted">None of these runs logged anything.</p>
    );
  }
  return (
    <>
      <div className="jp-nbrun-charts-toolbar">
        <KeyChooser
          keys={keys}
          chosen={model.chartKeys}
          onChange={chosen => (model.chartKeys = chosen)}
        />
        <ChartControls view={view} onChange={next => (model.view = next)} />
      </div>
      <ChartGroups
        runs={runs}
        labels={labels}
        model={model}
        keys={keys}
        view={view}
      />
    </>
  );
}

/** Parallel coordinates and a scatter, each against a chosen summary metric. */
function ConfigPlots(props: {
  runs: IPlotRun[];
  axes: string[];
  configKeys: string[];
  differing: string[];
  metrics: string[];
  firstMetric: string;
  summaries: Record<string, unknown>[];
}): JSX.Element {
  const { runs, metrics, configKeys } = props;
  const [metric, setMetric] = React.useState(props.firstMetric);
  const [colour, setColour] = React.useState<LineColour>('metric');
  const [xKey, setXKey] = React.useState(props.differing[0] ?? configKeys[0]);
  const [yKey, setYKey] = React.useState(props.firstMetric);
  const pcMetric = metrics.includes(metric) ? metric : metrics[0];
  const scatterX = configKeys.includes(xKey) ? xKey : configKeys[0];
  const scatterY = metrics.includes(yKey) ? yKey : metrics[0];
  const hidden = props.differing.length - props.axes.length;
  return (
    <div className="jp-nbrun-config-plots">
      <div className="jp-nbrun-plot-block jp-nbrun-pc-block">
        <h3>Parallel coordinates</h3>
        <KeySelect
          label="Summary metric"
          className="jp-nbrun-pc-metric"
          keys={metrics}
          value={pcMetric}
          onChange={setMetric}
        />
        <label className="jp-nbrun-key-select">
          Colour lines by
          <select
            className="jp-mod-styled jp-nbrun-pc-colour"
            value={colour}
            onChange={e => setColour(e.target.value as LineColour)}
          >
            <option value="metric">the metric</option>
            <option value="run">run</option>
          </select>
        </label>
        <ParallelCoordinates
          runs={runs}
          axes={props.axes}
          metric={pcMetric}
          metricValues={props.summaries.map(s => s[pcMetric])}
          colour={colour}
        />
        <p className="jp-nbrun-muted">
          {props.differing.length
            ? 'Axes: the config keys that differ'
            : 'No config key differs: every key is shown'}
          {hidden > 0 && ` (${hidden} more not drawn)`}.
        </p>
      </div>
      <div className="jp-nbrun-plot-block">
        <h3>Scatter</h3>
        <KeySelect
          label="Config value (x)"
          className="jp-nbrun-scatter-x"
          keys={configKeys}
          value={scatterX}
          onChange={setXKey}
        />
        <KeySelect
          label="Summary metric (y)"
          className="jp-nbrun-scatter-y"
          keys={metrics}
          value={scatterY}
          onChange={setYKey}
        />
        <Scatter
          runs={runs}
          xKey={scatterX}
          yKey={scatterY}
          yValues={props.summaries}
        />
      </div>
    </div>
  );
}

function KeySelect(props: {
  label: string;
  className: string;
  keys: string[];
  value: string;
  onChange: (key: string) => void;
}): JSX.Element {
  return (
    <label className="jp-nbrun-key-select">
      {props.label}
      <select
        className={`jp-mod-styled ${props.className}`}
        value={props.value}
        onChange={e => props.onChange(e.target.value)}
      >
        {props.keys.map(k => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </label>
  );
}
