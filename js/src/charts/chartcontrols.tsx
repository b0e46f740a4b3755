/**
 * The view options shared by every chart of a view: smoothing (an EMA, the raw
 * line kept faint behind), a log y axis and the x axis (step, relative or wall
 * time). They change what is drawn, never the data fetched.
 */
import * as React from 'react';

import { X_AXES, XAxis } from './xaxis';

export interface IChartView {
  /** EMA weight, 0 (off) to 0.99. */
  smoothing: number;
  logY: boolean;
  xAxis: XAxis;
}

export const DEFAULT_VIEW: IChartView = {
  smoothing: 0,
  logY: false,
  xAxis: 'step'
};

export function ChartControls(props: {
  view: IChartView;
  onChange: (view: IChartView) => void;
}): JSX.Element {
  const { view } = props;
  return (
    <div className="jp-nbrun-chart-controls">
      <label className="jp-nbrun-smoothing">
        Smoothing
        <input
          type="range"
          min={0}
          max={0.99}
          step={0.01}
          value={view.smoothing}
          aria-label="Smoothing"
          onChange={e =>
            props.onChange({ ...view, smoothing: Number(e.target.value) })
          }
        />
        <span className="jp-nbrun-smoothing-value">
          {view.smoothing.toFixed(2)}
        </span>
      </label>
      <label className="jp-nbrun-log-y">
        <input
          type="checkbox"
          checked={view.logY}
          onChange={e => props.onChange({ ...view, logY: e.target.checked })}
        />
        Log scale (y)
      </label>
      <label className="jp-nbrun-x-axis">
        x axis
        <select
          className="jp-mod-styled"
          value={view.xAxis}
          onChange={e =>
            props.onChange({ ...view, xAxis: e.target.value as XAxis })
          }
        >
          {X_AXES.map(a => (
            <option key={a.value} value={a.value}>
              {a.label}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
