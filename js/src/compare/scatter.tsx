/**
 * A scatter of compared runs: one config value (x) against one summary metric
 * (y), a point per run in the run's colour and labelled with its name. Axes
 * as in parallel coordinates (numbers by range, text as categories).
 */
import * as React from 'react';

import { seriesColor } from '../charts/chart';
import { formatValue } from '../components/format';
import { clip, plotScale } from '../charts/plotscale';
import { IPlotRun } from './parallel';

const WIDTH = 460;
const HEIGHT = 260;
const LEFT = 70;
const RIGHT = 120;
const TOP = 16;
const BOTTOM = 44;

export function Scatter(props: {
  runs: IPlotRun[];
  xKey: string;
  yKey: string;
  yValues: Record<string, unknown>[];
}): JSX.Element {
  const { runs, xKey, yKey } = props;
  const xs = runs.map(r => r.values[xKey]);
  const ys = props.yValues.map(v => v[yKey]);
  const xScale = plotScale(xs);
  const yScale = plotScale(ys);
  const px = (at: number) => LEFT + at * (WIDTH - LEFT - RIGHT);
  const py = (at: number) => TOP + (1 - at) * (HEIGHT - TOP - BOTTOM);
  const placed = runs
    .map((run, i) => ({ run, x: xScale.pos(xs[i]), y: yScale.pos(ys[i]), i }))
    .filter(p => p.x !== null && p.y !== null);
  const left = runs.length - placed.length;
  return (
    <div className="jp-nbrun-plot-scroll">
      <svg
        className="jp-nbrun-plot jp-nbrun-scatter"
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label={`${yKey} against ${xKey}`}
      >
        <line
          className="jp-nbrun-plot-axis"
          x1={px(0)}
          x2={px(1)}
          y1={py(0) + 8}
          y2={py(0) + 8}
        />
        <line
          className="jp-nbrun-plot-axis"
          x1={px(0) - 8}
          x2={px(0) - 8}
          y1={py(0)}
          y2={py(1)}
        />
        {xScale.ticks.map(t => (
          <text
            key={`x${t.at}`}
            className="jp-nbrun-plot-tick"
            x={px(t.at)}
            y={py(0) + 22}
            textAnchor="middle"
          >
            {clip(t.label, 14)}
          </text>
        ))}
        {yScale.ticks.map(t => (
          <text
            key={`y${t.at}`}
            className="jp-nbrun-plot-tick"
            x={px(0) - 12}
            y={py(t.at)}
            textAnchor="end"
            dominantBaseline="middle"
          >
            {clip(t.label, 10)}
          </text>
        ))}
        <text
          className="jp-nbrun-plot-title"
          x={(px(0) + px(1)) / 2}
          y={HEIGHT - 6}
          textAnchor="middle"
        >
          {clip(xKey, 40)}
        </text>
        <text
          className="jp-nbrun-plot-title"
          transform={`translate(12 ${(py(0) + py(1)) / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          {clip(yKey, 30)}
        </text>
        {placed.map(p => (
          <g key={p.i} className="jp-nbrun-scatter-run" data-run={p.run.label}>
            <circle
              className="jp-nbrun-scatter-point"
              cx={px(p.x!)}
              cy={py(p.y!)}
              r={5}
              fill={seriesColor(p.run.index)}
            >
              <title>
                {`${p.run.label}: ${xKey} = ${formatValue(xs[p.i])}, ` +
                  `${yKey} = ${formatValue(ys[p.i])}`}
              </title>
            </circle>
            <text
              className="jp-nbrun-plot-tick"
              x={px(p.x!) + 8}
              y={py(p.y!)}
              dominantBaseline="middle"
            >
              {clip(p.run.label, 18)}
            </text>
          </g>
        ))}
      </svg>
      {left > 0 && (
        <p className="jp-nbrun-muted">
          {left} run{left === 1 ? '' : 's'} without both values not shown.
        </p>
      )}
    </div>
  );
}
