/**
 * Parallel coordinates of compared runs: one vertical axis per config key and
 * a last one for a summary metric, one polyline per run in the run's colour.
 * Numeric axes span their range; text values are ordered categories. A run
 * without a value on an axis has a gap there. SVG, coloured from JupyterLab's
 * CSS variables (see style), every label drawn as text.
 */
import * as React from 'react';

import { seriesColor } from './chart';
import { clip, IPlotScale, plotScale } from './plotscale';

const GAP = 150;
const LEFT = 24;
const RIGHT = 110;
const TOP = 40;
const HEIGHT = 220;
const BOTTOM = 16;

export interface IPlotRun {
  label: string;
  /** The run's colour index (its place in the comparison). */
  index: number;
  values: Record<string, unknown>;
}

export function ParallelCoordinates(props: {
  runs: IPlotRun[];
  /** Config keys, one axis each, then the metric's axis. */
  axes: string[];
  metric: string;
  /** The metric's value of each run. */
  metricValues: unknown[];
}): JSX.Element {
  const { runs, axes, metric } = props;
  const columns = [
    ...axes.map(key => runs.map(r => r.values[key])),
    props.metricValues
  ];
  const names = [...axes, metric];
  const scales = columns.map(plotScale);
  const x = (i: number) => LEFT + i * GAP;
  const y = (at: number) => TOP + (1 - at) * HEIGHT;
  const width = x(names.length - 1) + RIGHT;
  return (
    <div className="jp-nbrun-plot-scroll">
      <svg
        className="jp-nbrun-plot jp-nbrun-parallel"
        width={width}
        height={TOP + HEIGHT + BOTTOM}
        role="img"
        aria-label={`Parallel coordinates of ${names.join(', ')}`}
      >
        {runs.map((run, r) => (
          <path
            key={r}
            className="jp-nbrun-pc-line"
            data-run={run.label}
            stroke={seriesColor(run.index)}
            d={polyline(
              scales.map((s, i) => s.pos(columns[i][r])),
              x,
              y
            )}
          >
            <title>{run.label}</title>
          </path>
        ))}
        {names.map((name, i) => (
          <Axis
            key={name}
            x={x(i)}
            y={y}
            name={name}
            scale={scales[i]}
            metric={i === names.length - 1}
          />
        ))}
      </svg>
    </div>
  );
}

/** A path through the points, broken where a run has no value. */
function polyline(
  points: (number | null)[],
  x: (i: number) => number,
  y: (at: number) => number
): string {
  let d = '';
  let open = false;
  points.forEach((at, i) => {
    if (at === null) {
      open = false;
      return;
    }
    d += `${open ? 'L' : 'M'}${x(i)},${y(at).toFixed(1)} `;
    open = true;
  });
  return d.trim();
}

function Axis(props: {
  x: number;
  y: (at: number) => number;
  name: string;
  scale: IPlotScale;
  metric: boolean;
}): JSX.Element {
  const { x, y, scale } = props;
  return (
    <g className="jp-nbrun-pc-axis" data-key={props.name}>
      <line className="jp-nbrun-plot-axis" x1={x} x2={x} y1={y(0)} y2={y(1)} />
      <g>
        <title>{props.name}</title>
        <text
          className={`jp-nbrun-plot-title${props.metric ? ' jp-mod-metric' : ''}`}
          x={x}
          y={TOP - 22}
          textAnchor={x === LEFT ? 'start' : 'middle'}
        >
          {clip(props.name, 22)}
        </text>
      </g>
      {scale.ticks.map(tick => (
        <g key={`${tick.at}:${tick.label}`}>
          <line
            className="jp-nbrun-plot-axis"
            x1={x - 3}
            x2={x + 3}
            y1={y(tick.at)}
            y2={y(tick.at)}
          />
          <text
            className="jp-nbrun-plot-tick"
            x={x + 6}
            y={y(tick.at)}
            dominantBaseline="middle"
          >
            {clip(tick.label, 16)}
          </text>
        </g>
      ))}
    </g>
  );
}
