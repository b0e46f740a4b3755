/**
 * The detail view's charts: a key chooser (runs may log hundreds of keys), the
 * view options shared by every chart, and one chart per key.
 */
import * as React from 'react';

import { IHistory, IRunDetail } from '../api/api';
import { ISeries, LineChart } from './chart';
import { ChartControls, IChartView } from './chartcontrols';
import { KeyChooser } from '../components/keychooser';
import {
  againstStepMetric,
  hiddenKeys,
  pickerKeys,
  stepMetric
} from './stepmetric';

export function Charts(props: {
  run: IRunDetail;
  history: IHistory | null;
  chartKeys: string[];
  onChartKeys: (keys: string[]) => void;
  /** The view of every chart (the model asks for times as its x axis needs). */
  view: IChartView;
  onView: (view: IChartView) => void;
}): JSX.Element {
  const { run, history, chartKeys, view } = props;
  const keys = run.keys ?? [];
  if (keys.length === 0) {
    return <p className="jp-nbrun-muted">Nothing logged yet.</p>;
  }
  return (
    <div className="jp-nbrun-charts-section">
      <div className="jp-nbrun-charts-toolbar">
        <KeyChooser
          keys={pickerKeys(keys, run.charts)}
          hidden={hiddenKeys(keys, run.charts)}
          chosen={chartKeys}
          onChange={props.onChartKeys}
        />
        <ChartControls view={view} onChange={props.onView} />
      </div>
      <div className="jp-nbrun-charts">
        {chartKeys.map(key => (
          <HistoryChart
            key={key}
            name={key}
            start={run.created_at}
            stepMetric={stepMetric(key, run.charts)}
            history={history}
            view={view}
          />
        ))}
      </div>
    </div>
  );
}

function HistoryChart(props: {
  name: string;
  start: number;
  /** `define_metric`'s step metric of the key: its x on the step axis. */
  stepMetric: string | null;
  history: IHistory | null;
  view: IChartView;
}): JSX.Element {
  const data = props.history?.keys?.[props.name];
  const onMetric = props.stepMetric !== null && props.view.xAxis === 'step';
  const series = React.useMemo<ISeries[]>(() => {
    const own: ISeries = {
      label: props.name,
      steps: data?.steps ?? [],
      values: data?.values ?? [],
      walls: data?.walls,
      start: props.start
    };
    return [onMetric ? againstStepMetric(own, data?.x) : own];
  }, [data, props.name, props.start, onMetric]);
  return (
    <LineChart
      title={props.name}
      chartKey={props.name}
      series={series}
      view={props.view}
      xLabel={onMetric ? (props.stepMetric ?? undefined) : undefined}
    />
  );
}
