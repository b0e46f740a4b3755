/**
 * The System section of a run's detail view: CPU, memory, disk, network and
 * GPU use sampled while the run ran, against the time since it started. The
 * server chooses the charts (related metrics share one) and serves each
 * metric's points with their times (see nbrun/server/system.py).
 */
import * as React from 'react';

import { IRunSystem } from '../api/apitypes';
import { ISeries, LineChart } from '../charts/chart';
import { DEFAULT_VIEW, IChartView } from '../charts/chartcontrols';

const VIEW: IChartView = { ...DEFAULT_VIEW, xAxis: 'relative' };

export function SystemCharts(props: {
  system: IRunSystem;
  /** The run's start (seconds since the epoch): time zero of the x axis. */
  start: number;
}): JSX.Element {
  const { system, start } = props;
  return (
    <div className="jp-nbrun-system">
      {system.charts.map(chart => (
        <SystemChart
          key={chart.title}
          title={chart.title}
          series={chart.lines.map(line => {
            const points = system.series[line.key];
            const times = points?.times ?? [];
            return {
              label: line.label,
              steps: times.map((_, i) => i),
              values: points?.values ?? [],
              walls: times,
              start
            };
          })}
        />
      ))}
    </div>
  );
}

function SystemChart(props: { title: string; series: ISeries[] }): JSX.Element {
  return (
    <LineChart
      title={props.title}
      chartKey={`system:${props.title}`}
      series={props.series}
      height={140}
      view={VIEW}
    />
  );
}
